"""The real `gradsh` process in a pseudo-terminal: pexpect drives it, pyte reads the screen.

prompt_toolkit asks the terminal where the cursor is (ESC[6n); pyte answers as a terminal would,
from its own cursor, so the application draws as it does for a person.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")
pyte = pytest.importorskip("pyte")

ROWS, COLS = 60, 140


def gradsh_command() -> str:
    script = Path(sysconfig.get_path("scripts")) / "gradsh"
    found = str(script) if script.exists() else shutil.which("gradsh")
    if not found:
        pytest.fail("no gradsh console script: install the package first (pip install -e '.[test]')")
    return found


class _Screen(pyte.Screen):
    """A pyte screen that sends its answers (the cursor position report) back to the process."""

    child: object = None

    def write_process_input(self, data: str) -> None:
        self.child.send(data)


class Terminal:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.screen = _Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(argv[0], argv[1:], env=env, dimensions=(ROWS, COLS), timeout=20)
        self.screen.child = self.child
        self.seen = ""  # every line that scrolled by, and the screen as last read

    def pump(self, seconds: float = 0.1) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                data = self.child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                return
            self.stream.feed(data)

    @property
    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, needle: str, timeout: float = 20) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump(0.1)
            if needle in self.text:
                return self.text
            if not self.child.isalive():
                self.pump(0.2)
                break
        raise AssertionError(f"{needle!r} did not appear; the screen:\n{self.text}")

    def type(self, line: str) -> None:
        """Type a line and press Enter, as a person does."""
        self.child.send(line)
        self.pump(0.15)
        self.child.send("\r")

    def clear(self) -> None:
        """Ctrl-L: a clean screen, so the next wait_for sees only what comes next."""
        self.child.send("\x0c")
        self.pump(0.3)

    def exit_status(self, timeout: float = 10) -> int | None:
        end = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < end:
            self.pump(0.1)
        self.child.close()
        return self.child.exitstatus


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Terminal]:
    env = {**os.environ, "TERM": "xterm", "XDG_STATE_HOME": str(tmp_path / "state"), "COLUMNS": str(COLS)}
    env.pop("NO_COLOR", None)
    t = Terminal([gradsh_command()], env)
    t.wait_for(">>>")
    t.wait_for("grad mode: grad enabled")
    yield t
    if t.child.isalive():
        t.child.terminate(force=True)


def test_banner_names_the_backend_and_the_toolbar_shows_grad_mode(term: Terminal) -> None:
    assert "torch is imported, and is gradsh's own autograd engine" in term.text
    assert "backend: gradsh engine" in term.text


def test_a_no_grad_experiment_and_its_grad_report(term: Terminal) -> None:
    term.type("x = torch.ones(2, requires_grad=True)")
    term.wait_for("∇ x (new): [2] float32 requires_grad=True is_leaf=True")
    term.type("with torch.no_grad():")
    term.wait_for("grad mode: grad disabled (no_grad, depth 1)")  # the toolbar follows the block being typed
    term.type("y = x * 2")
    term.type("")
    term.wait_for("∇ y (new): [2] float32 requires_grad=False is_leaf=True")
    term.type("(x * 3).sum().backward()")
    screen = term.wait_for("∇ x (grad): [2] float32 requires_grad=True is_leaf=True grad=[3., 3.]")
    assert "grad mode: grad enabled" in screen


def test_an_exception_and_a_syntax_error_do_not_end_the_session(term: Terminal) -> None:
    term.type("a = torch.ones(2)")
    term.type("a.backward()")
    screen = term.wait_for("RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn")
    assert 'File "<input 2>", line 1, in <module>' in screen and "a.backward()" in screen
    assert "gradsh/" not in screen  # no frames of gradsh's own
    term.type("b = = 1")
    term.wait_for("SyntaxError: invalid syntax")
    term.type("a + 1")
    term.wait_for("tensor([2., 2.])")
    assert term.child.isalive()


def test_why_and_graph(term: Terminal) -> None:
    term.type("w = torch.ones(2, requires_grad=True)")
    term.type("with torch.no_grad():")
    term.type("d = w * 2")
    term.type("")
    term.type("loss = (w * w).sum()")
    term.clear()
    term.type("%why d")
    screen = term.wait_for("It was made under no_grad at input 2")
    assert "made at input 2 (`with torch.no_grad():`)" in screen
    term.type("%why loss")
    term.wait_for(".grad is None because loss is not a leaf")
    term.clear()
    term.type("%graph loss")
    screen = term.wait_for("AccumulateGrad  w")
    assert "└── SumBackward0" in screen and "MulBackward0" in screen


def test_save_then_gradsh_check_passes(term: Terminal, tmp_path: Path) -> None:
    saved = tmp_path / "session.txt"
    term.type("torch.manual_seed(0)")
    term.type("x = torch.randn(3, requires_grad=True)")
    term.type("y = (x * 2).sum()")
    term.type("y.backward()")
    term.type("x.grad")
    term.wait_for("tensor([2., 2., 2.])")
    term.type("y.backward()")
    term.wait_for("RuntimeError: Trying to backward through the graph a second time")
    term.type(f"%save {saved}")
    term.wait_for("saved 6 inputs")
    text = saved.read_text()
    assert ">>> import torch\n" in text and ">>> x.grad\ntensor([2., 2., 2.])\n" in text
    check = subprocess.run(
        [gradsh_command(), "check", str(saved)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "7 passed, 0 failed" in check.stdout  # `import torch` and the six inputs


def test_ctrl_c_interrupts_a_long_loop_and_keeps_the_session(term: Terminal) -> None:
    term.type("kept = torch.ones(1)")
    term.type("while True: pass")
    term.type("")
    time.sleep(0.5)
    term.child.send("\x03")
    term.wait_for("KeyboardInterrupt")
    term.type("kept + 1")
    term.wait_for("tensor([2.])")


def test_ctrl_c_while_typing_clears_the_input(term: Terminal) -> None:
    term.child.send("undefined_name_here")
    term.pump(0.2)
    term.child.send("\x03")
    term.pump(0.2)
    term.type("40 + 2")
    screen = term.wait_for("42")
    assert "NameError" not in screen


def test_ctrl_d_on_an_empty_line_leaves_with_status_0(term: Terminal) -> None:
    term.child.send("\x04")
    assert term.exit_status() == 0


def test_history_is_kept_across_sessions(tmp_path: Path) -> None:
    env = {**os.environ, "TERM": "xterm", "XDG_STATE_HOME": str(tmp_path / "state")}
    first = Terminal([gradsh_command()], env)
    first.wait_for(">>>")
    first.type("remembered = 12345")
    first.pump(0.3)
    first.child.send("\x04")
    assert first.exit_status() == 0
    assert "remembered = 12345" in (tmp_path / "state" / "gradsh" / "history").read_text()
    second = Terminal([gradsh_command()], env)
    second.wait_for(">>>")
    second.child.send("\x1b[A")  # Up: the last input comes back
    second.wait_for(">>> remembered = 12345")
    second.child.send("\x03\x04")
    assert second.exit_status() == 0


def test_pasting_a_prompted_block_runs_it_as_typed(term: Terminal) -> None:
    block = ">>> p = torch.ones(2, requires_grad=True)\n>>> q = p.detach()\n>>> q.requires_grad\nFalse\n"
    term.child.send("\x1b[200~" + block + "\x1b[201~")
    screen = term.wait_for("∇ q (new): [2] float32 requires_grad=False is_leaf=True")
    assert "∇ p (new)" in screen and "\nFalse" in screen


@pytest.mark.skipif(sys.platform != "linux", reason="pty tests are written for Linux")
def test_piped_input_is_a_script_printed_plainly() -> None:
    source = "x = torch.ones(2, requires_grad=True)\ny = x * 2\ny\n"
    result = subprocess.run([gradsh_command()], check=False, input=source, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout
    assert "tensor([2., 2.], grad_fn=<MulBackward0>)" in result.stdout
    assert "  ∇ y (new): [2] float32 requires_grad=True is_leaf=False grad_fn=<MulBackward0>" in result.stdout
