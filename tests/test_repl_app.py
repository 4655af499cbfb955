"""The prompt_toolkit pieces with a pipe input and a dummy output: keys, auto-indent, completion, toolbar, loop."""

import io
from collections.abc import Iterator

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from gradsh.repl import app
from gradsh.repl.completer import NamespaceCompleter
from gradsh.repl.loop import Repl
from gradsh.repl.printer import Printer
from gradsh.repl.toolbar import status, toolbar
from gradsh.report.model import GradMode


@pytest.fixture
def repl() -> Iterator[Repl]:
    r = Repl("gradsh.torch", Printer(color=False, out=io.StringIO()))
    r.start()
    yield r
    r.close()


def prompt_with(repl: Repl, keys: str, vi: bool = False) -> str:
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        session = app.create_session(repl, vi=vi, history=InMemoryHistory(), input=pipe, output=DummyOutput())
        pipe.send_text(keys)
        return session.prompt()


def test_enter_runs_a_complete_line(repl: Repl) -> None:
    assert prompt_with(repl, "x = 1\r") == "x = 1"


def test_a_block_auto_indents_and_ends_at_a_blank_line(repl: Repl) -> None:
    text = prompt_with(repl, "with torch.no_grad():\ry = x * 2\r\r")
    assert text == "with torch.no_grad():\n    y = x * 2\n    "


def test_backspace_removes_an_indent_level(repl: Repl) -> None:
    text = prompt_with(repl, "if x:\rif y:\ra = 1\r\x7fz = 1\r\r")
    assert text == "if x:\n    if y:\n        a = 1\n    z = 1\n    "


def test_escape_enter_runs_an_unfinished_input(repl: Repl) -> None:
    assert prompt_with(repl, "for i in x:\x1b\r") == "for i in x:"


def test_completion_offers_tensor_methods(repl: Repl) -> None:
    repl.handle("t = torch.ones(1)\n")
    completer = NamespaceCompleter(lambda: repl.namespace)
    found = [c.text for c in completer.get_completions(Document("t.requires_gr"), CompleteEvent())]
    assert found == ["requires_grad", "requires_grad_"]
    assert [c.text for c in completer.get_completions(Document("t.grad_f"), CompleteEvent())] == ["grad_fn"]


def test_tab_at_the_start_of_a_line_indents(repl: Repl) -> None:
    assert prompt_with(repl, "if x:\r\x7f\tpass\r\r") == "if x:\n    pass\n"  # and pass dedents


def test_vi_mode_and_f4(repl: Repl) -> None:
    from prompt_toolkit.enums import EditingMode

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        session = app.create_session(repl, vi=True, history=InMemoryHistory(), input=pipe, output=DummyOutput())
        assert session.app.editing_mode == EditingMode.VI
        pipe.send_text("x = 1\x1bOS\r")  # F4 switches to emacs
        assert session.prompt() == "x = 1"
        assert session.app.editing_mode == EditingMode.EMACS


def test_completer_reads_the_live_namespace() -> None:
    ns = {"weights": 1, "torch": __import__("types").SimpleNamespace(no_grad=1, nothing=2)}
    completer = NamespaceCompleter(lambda: ns)

    def names(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]

    assert names("wei") == ["weights"]
    assert names("torch.no") == ["no_grad", "nothing"]
    assert "print" in names("pri")
    assert names("x = 'wei") == [] and names("# wei") == []
    assert names("%gr") == ["graph"]
    assert names("undefined.x") == []


def test_toolbar_shows_mode_depth_and_backend() -> None:
    on = GradMode(True, False)
    assert status(on, "") == ("grad enabled", None, 0)
    assert status(GradMode(False, False), "") == ("grad disabled", None, 0)
    nested = "with torch.no_grad():\n    with torch.inference_mode():\n        "
    assert status(on, nested) == ("inference mode", "inference_mode", 2)
    assert status(on, "with torch.set_grad_enabled(False):\n    ") == ("grad disabled", "set_grad_enabled(False)", 1)
    # inference_mode(False) leaves inference mode and enables grad, as PyTorch does
    inner = "with torch.no_grad():\n    with torch.inference_mode(False):\n        "
    assert status(on, inner) == ("grad enabled", "inference_mode(False)", 2)
    text = "".join(part for _, part in toolbar(on, "with torch.no_grad():\n    ", "gradsh.torch", True, False))
    assert "grad mode: grad disabled (no_grad, depth 1)" in text and "backend: gradsh engine" in text and "emacs" in text


def test_run_prompt_reads_inputs_until_ctrl_d(repl: Repl) -> None:
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        session = app.create_session(repl, history=InMemoryHistory(), input=pipe, output=DummyOutput())
        pipe.send_text("x = torch.ones(2, requires_grad=True)\r")
        pipe.send_text("half-typed\x03")  # Ctrl-C while typing: dropped
        pipe.send_text("x * 2\r\x04")
        assert app.run_prompt(repl, session=session) == 0
    shown = repl.printer.out.getvalue()
    assert "torch is imported" in shown and "∇ x (new)" in shown
    assert "tensor([2., 2.], grad_fn=<MulBackward0>)" in shown and "half-typed" not in shown


def test_history_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert app.history_path() == tmp_path / "gradsh" / "history"


def test_a_history_that_cannot_be_created_is_said_once(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    said: list[str] = []
    history = app._history(said.append)
    history.store_string("x = 1")
    history.store_string("x = 2")
    assert len(said) == 1 and "history is kept for this session only" in said[0] and str(blocker) in said[0]


def test_a_history_that_cannot_be_written_is_said_once(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    said: list[str] = []
    history = app._history(said.append)
    path = app.history_path()
    path.unlink()
    path.mkdir()  # writing now fails, whoever runs the test (root too)
    for text in ("x = 1", "x = 2", "x = 3"):
        history.store_string(text)
    assert len(said) == 1 and "history is not saved: cannot write" in said[0]
