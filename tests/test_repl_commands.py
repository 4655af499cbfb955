"""The loop and the %commands over a real Session, printed plainly into a string."""

import html
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gradsh.repl import commands
from gradsh.repl.loop import Repl
from gradsh.repl.printer import Printer
from gradsh.report.model import GradMode


@pytest.fixture
def repl() -> Iterator[Repl]:
    r = Repl("gradsh.torch", Printer(color=False, out=io.StringIO()))
    r.start()
    yield r
    r.close()


def said(repl: Repl, *texts: str) -> str:
    out = repl.printer.out
    out.seek(0)
    out.truncate()
    for text in texts:
        repl.handle(text)
    return out.getvalue()


def test_an_input_shows_value_error_and_report(repl: Repl) -> None:
    shown = said(repl, "x = torch.ones(2, requires_grad=True)\n", "x * 2\n", "x.backward()\n")
    assert "  ∇ x (new): [2] float32 requires_grad=True is_leaf=True\n" in shown
    assert "tensor([2., 2.], grad_fn=<MulBackward0>)\n" in shown
    assert 'File "<input 3>", line 1, in <module>\n    x.backward()\n' in shown
    assert "RuntimeError: grad can be implicitly created only for scalar outputs" in shown
    assert "gradsh" not in shown.split("Traceback")[1]


def test_report_off_hides_the_report(repl: Repl) -> None:
    assert "grad report off" in said(repl, "%report off")
    assert "∇" not in said(repl, "y = torch.ones(1)\n")
    said(repl, "%report on")
    assert "∇ z (new)" in said(repl, "z = torch.ones(1)\n")


@pytest.mark.parametrize(
    ("setup", "name", "expected"),
    [
        (
            ["x = torch.ones(2, requires_grad=True)", "with torch.no_grad():\n    y = x * 2\n"],
            "y",
            "made under no_grad",
        ),
        (["a = torch.ones(2)"], "a", "leaf made by torch.ones with requires_grad=False"),
        (["x = torch.ones(2, requires_grad=True)", "d = x.detach()"], "d", "the result of detach()"),
        (["i = torch.arange(3)"], "i", "Its dtype is int64"),
        (["with torch.inference_mode():\n    t = torch.ones(1)\n"], "t", "an inference tensor"),
        (["a = torch.ones(2)", "b = a * 2"], "b", "No input required grad (a (requires_grad=False))"),
        (["x = torch.ones(2, requires_grad=True)", "y = x * 2"], "y", "call y.retain_grad() before backward()"),
        (["x = torch.ones(2, requires_grad=True)", "(x * 2).sum().backward()"], "x", "last changed at input 2"),
        (["x = torch.ones(2)", "x.requires_grad_()"], "x", "made so with requires_grad_() at input 2"),
        (["x = 3"], "x", "x is a int, not a tensor"),
    ],
)
def test_why(repl: Repl, setup: list[str], name: str, expected: str) -> None:
    said(repl, *(s + "\n" for s in setup))
    assert expected in said(repl, f"%why {name}")


def test_why_of_a_missing_name(repl: Repl) -> None:
    assert "%why: no name 'nope' in this session" in said(repl, "%why nope")


def test_graph_names_the_leaves(repl: Repl) -> None:
    said(repl, "w = torch.ones(2, requires_grad=True)\n", "b = torch.ones(2, requires_grad=True)\n")
    said(repl, "out = (w * w + b).sum()\n")
    assert said(repl, "%graph out").splitlines() == [
        "out",
        "└── SumBackward0",
        "    └── AddBackward0",
        "        ├── MulBackward0",
        "        │   ├── AccumulateGrad  w",
        "        │   └── AccumulateGrad  w  (shared, shown above)",
        "        └── AccumulateGrad  b",
    ]
    assert "it is a leaf" in said(repl, "%graph w")


def test_mode_lists_the_inputs_that_changed_it(repl: Repl) -> None:
    said(repl, "torch.set_grad_enabled(False)\n")
    shown = said(repl, "%mode")
    assert "grad mode now: grad disabled" in shown
    assert "input 1: `torch.set_grad_enabled(False)`  grad enabled -> grad disabled, by set_grad_enabled(False)" in shown
    said(repl, "%reset")
    assert "grad mode now: grad enabled (the default" in said(repl, "%mode")


def test_undo_replays_the_rest_in_a_fresh_session(repl: Repl) -> None:
    said(repl, "torch.manual_seed(0)\n", "a = torch.randn(2)\n", "b = torch.randn(2)\n", "c = 1\n")
    before = said(repl, "b\n")
    assert "took back 2 inputs; replayed 3" in said(repl, "%undo 2")
    assert "c" not in repl.namespace and said(repl, "b\n") == before  # same random numbers on replay
    assert "N must be a positive number" in said(repl, "%undo x")


def test_reset_forgets_names_and_keeps_torch(repl: Repl) -> None:
    said(repl, "x = 1\n", "%reset")
    assert "x" not in repl.namespace and "torch" in repl.namespace and repl.entries == []


def test_unknown_command_and_help(repl: Repl) -> None:
    assert "unknown command %bogus" in said(repl, "%bogus")
    assert "%why NAME" in said(repl, "%help")


def test_save_writes_a_transcript_that_check_passes(repl: Repl, tmp_path: Path) -> None:
    said(repl, "x = torch.ones(2, requires_grad=True)\n", "print('a\\n\\nb')\n", "x = = 1\n", "object()\n")
    said(repl, "y = (x * 2).sum(); y.backward()\n", "x.grad\n", "1/0\n")
    path = tmp_path / "s.txt"
    said(repl, f"%save {path}")
    text = path.read_text()
    assert "x = = 1" not in text  # it did not compile: nothing to replay
    assert "a\n<BLANKLINE>\nb\n" in text and "<object object at 0x...>" in text
    check = subprocess.run(
        [sys.executable, "-m", "gradsh", "check", str(path)], check=False, capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_transcript_starts_with_import_torch(repl: Repl) -> None:
    assert commands.transcript([]).endswith(">>> import torch\n")


def test_pasted_block_runs_each_example(repl: Repl) -> None:
    shown = said(repl, ">>> p = torch.ones(1)\n>>> p + 1\ntensor([2.])\n")
    assert ">>> p = torch.ones(1)\n" in shown and "tensor([2.])" in shown and len(repl.entries) == 2


def test_script_from_a_pipe_runs_statements_and_commands() -> None:
    out = io.StringIO()
    repl = Repl("gradsh.torch", Printer(color=False, out=out))
    repl.start()
    try:
        status = repl.run_script(io.StringIO("x = torch.ones(1, requires_grad=True)\n%why x\n1/0\nx\n"))
    finally:
        repl.close()
    shown = out.getvalue()
    assert status == 1  # something raised
    assert "It is a leaf that requires grad" in shown
    assert 'File "<stdin>", line 3, in <module>' in shown and "tensor([1.], requires_grad=True)" in shown


def test_the_readme_session_is_what_the_shell_shows() -> None:
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## `gradsh`: the shell.*?```text\n(.*?)```", readme, re.DOTALL).group(1)
    typed: list[str] = []
    want: list[str] = []
    for line in block.splitlines():
        if line.startswith(">>> "):
            typed.append(line[4:] + "\n")
        elif line.startswith("..."):
            typed[-1] += line[4:] + "\n"
        else:
            want.append(line)
    out = io.StringIO()
    repl = Repl("gradsh.torch", Printer(color=False, out=out))
    repl.start()
    try:
        for text in typed:
            repl.handle(text)
    finally:
        repl.close()
    assert out.getvalue().splitlines() == want


def test_a_failing_command_never_ends_the_shell(repl: Repl, monkeypatch) -> None:
    def broken(repl: Repl, arg: str) -> bool:
        raise RuntimeError("a bug in gradsh")

    monkeypatch.setitem(commands.COMMANDS, "graph", broken)
    shown = said(repl, "%graph x", "1 + 1\n")
    assert "gradsh: internal error, the session goes on: RuntimeError: a bug in gradsh" in shown
    assert shown.endswith("2\n")


def test_why_explains_an_attribute(repl: Repl) -> None:
    shown = said(repl, "m = torch.nn.Linear(2, 1)\n", "%why m.weight")
    assert "m.weight: [1, 2] float32" in shown and "internal error" not in shown


def test_undo_leaves_out_interrupted_and_failed_inputs_and_says_so(repl: Repl, tmp_path) -> None:
    ran = tmp_path / "ran"
    said(repl, f"_ = open({str(ran)!r}, 'a').write('x'); raise KeyboardInterrupt\n", "1 / 0\n", "y = 2\n", "z = 3\n")
    shown = said(repl, "%undo")
    assert "left out input 1 (`_ = open(" in shown and "it was interrupted" in shown
    assert "left out input 2 (`1 / 0`): it raised an error" in shown
    assert ran.read_text() == "x"  # the interrupted input did not run again
    assert repl.namespace["y"] == 2 and "z" not in repl.namespace


def test_the_undo_log_is_bounded(repl: Repl, monkeypatch) -> None:
    from gradsh.repl import loop

    monkeypatch.setattr(loop, "MAX_ENTRIES", 3)
    said(repl, *[f"v{i} = {i}\n" for i in range(5)])
    assert [e.number for e in repl.entries] == [3, 4, 5] and repl.forgotten == 2
    assert "cannot be replayed from the start; %reset starts afresh" in said(repl, "%undo")
    assert repl.namespace["v4"] == 4
    said(repl, "%reset", "w = 1\n")
    assert [e.number for e in repl.entries] == [1]


def test_gradsh_own_words_are_escaped_the_users_output_is_not(repl: Repl) -> None:
    # An attribute whose name holds an escape sequence: the grad report names it.
    hostile = "class O:\n    pass\n\no = O(); setattr(o, '\\x1b]0;T\\x07', torch.ones(1))\n"
    shown = said(repl, "print('\\x1b[1mbold')\n", hostile, "%save /nonexistent/\x1b]0;T\x07")
    assert "\x1b[1mbold\n" in shown  # the user's own print, as Python's REPL shows it
    assert "\x1b]" not in shown
    assert "∇ o.\\x1b]0;T\\x07 (new)" in shown and "cannot write /nonexistent/\\x1b]0;T\\x07" in shown


def test_closed_stdin_exits_cleanly() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.close(0); sys.stdin = None; from gradsh.entry import main; main()"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr


def test_closed_stdin_from_the_shell_exits_cleanly() -> None:
    gradsh = Path(sys.executable).parent / "gradsh"
    result = subprocess.run(["sh", "-c", f"'{gradsh}' <&-"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0 and "Traceback" not in result.stderr


def test_torch_is_found_under_a_path_that_names_gradsh(tmp_path) -> None:
    fake = tmp_path / "gradsh" / ".venv" / "site" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("MARK = 'the real one'\n")
    env = {**__import__("os").environ, "PYTHONPATH": str(fake.parent)}
    result = subprocess.run(
        [sys.executable, "-m", "gradsh", "repl", "--backend", "torch"],
        input="print(torch.MARK)\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "the real one" in result.stdout


def test_save_html_needs_a_writable_file_name(repl: Repl, tmp_path: Path) -> None:
    said(repl, "x = torch.ones(2, requires_grad=True)\n")
    assert "give a file name" in said(repl, "%save --html")
    shown = said(repl, f"%save --html {tmp_path / 'no' / 'such' / 'folder.html'}")
    assert "%save: cannot write" in shown and "No such file or directory" in shown
    assert not list(tmp_path.iterdir())  # nothing half-written
    assert "saved 1 inputs as a replay page" in said(repl, f"%save --html {tmp_path / 'p.html'}")
    assert 'data-label="MulBackward0"' not in (tmp_path / "p.html").read_text()  # a leaf has no graph
    shown_text = html.unescape(re.sub(r"<[^>]+>", "", (tmp_path / "p.html").read_text()))
    assert ">>> x = torch.ones(2, requires_grad=True)" in shown_text


DECORATED = [
    "x = torch.ones(2, requires_grad=True)\n",
    "@torch.no_grad()\ndef f(v):\n    return v * 2\n\n",
    "r = f(x)\n",
    "@torch.inference_mode()\ndef h(v):\n    return v * 2\n\n",
    "q = h(x)\n",
    "@torch.set_grad_enabled(False)\ndef gen(v):\n    yield v * 2\n\n",
    "g = gen(x)\n",
    "s = next(g)\n",
    "def k(v):\n    with torch.no_grad():\n        return v * 2\n\n",
    "p = k(x)\n",
]


def _why_after_decorated(backend: str) -> dict[str, str]:
    r = Repl(backend, Printer(color=False, out=io.StringIO()))
    r.start()
    try:
        said(r, *DECORATED)
        return {name: said(r, f"%why {name}") for name in "rqsp"}
    finally:
        r.close()


def _check_decorated(shown: dict[str, str]) -> None:
    assert "It was made inside `f` at input 3, which runs under no_grad (decorator)" in shown["r"]
    assert "None of its inputs" not in shown["r"]
    assert "inference tensor (made inside `h` at input 5, which runs under inference_mode (decorator))" in shown["q"]
    assert "made inside the generator `g` at input 8, which runs under set_grad_enabled(False) (decorator)" in shown["s"]


def test_why_knows_decorated_functions_and_modes_set_inside_calls() -> None:
    shown = _why_after_decorated("gradsh.torch")
    _check_decorated(shown)
    # a mode set inside a call's body: gradsh's engine counts the switches
    assert "The grad mode changed 2 times inside the calls it made (`k`) at input 10" in shown["p"]


@pytest.mark.parity
def test_why_on_real_torch_sees_decorators_and_says_the_mode_inside_calls_is_not_visible() -> None:
    pytest.importorskip("torch")
    shown = _why_after_decorated("torch")
    _check_decorated(shown)
    assert "on --backend torch the grad mode inside calls is not visible" in shown["p"]


@pytest.mark.parametrize("arg", ["x.grad", "x * 2", "1+", "m.weight.grad", "xs[5]"])
def test_graph_and_why_take_names(repl: Repl, arg: str) -> None:
    said(repl, "x = torch.ones(2, requires_grad=True)\n", "m = torch.nn.Linear(2, 1)\n", "xs = [x]\n")
    assert f"%graph takes a name: a variable, or what the grad report names (model.weight, xs[0]); {arg!r} is not one" in (
        said(repl, f"%graph {arg}")
    )
    if " " not in arg:
        assert "%why takes a name" in said(repl, f"%why {arg}")
    assert "m.weight" in said(repl, "%graph m.weight") and "no name 'y'" in said(repl, "%graph y")
    assert "AccumulateGrad" not in said(repl, "%graph xs[0]")  # a leaf: no graph, but a name


def test_report_full_lists_every_tensor_of_a_long_list(repl: Repl) -> None:
    make = "ts = [torch.ones(2, requires_grad=True) for _ in range(7)]\n"
    shown = said(repl, make)
    assert "  ∇ ts (new): list of 7 tensors, all [2] float32 requires_grad=True is_leaf=True\n" in shown
    assert "grad report on: every tensor" in said(repl, "%report full")
    shown = said(repl, make)
    assert all(f"  ∇ ts[{i}] (rebound): [2] float32" in shown for i in range(7)) and "list of" not in shown
    said(repl, "%report short")
    assert "ts (rebound): list of 7 tensors" in said(repl, make)
    assert "%report: on, off, full or short" in said(repl, "%report loud")


HOOKS_AND_DUALS = [
    "import torch.autograd.forward_ad as fwAD\n",
    "x = torch.ones(2, requires_grad=True)\n",
    "h = x.register_hook(lambda g: g * 2)\n",
    "y = x * 3\n",
    "hn = y.grad_fn.register_prehook(lambda g: None)\n",
    "torch.autograd.set_detect_anomaly(True)\n",
    "lvl = fwAD.enter_dual_level()\n",
    "d = fwAD.make_dual(torch.ones(2), torch.full((2,), 3.))\n",
]


def _hooks_and_duals(backend: str) -> tuple[str, dict[str, str], list[str]]:
    r = Repl(backend, Printer(color=False, out=io.StringIO()))
    r.start()
    try:
        shown = said(r, *HOOKS_AND_DUALS)
        whys = {arg: said(r, arg) for arg in ("%why x", "%why d", "%graph y")}
        flags = list(r.flags)
        said(r, "fwAD.exit_dual_level()\n", "torch.autograd.set_detect_anomaly(False)\n")
        return shown, whys, flags + ["after:", *r.flags]
    finally:
        r.close()


def _check_hooks_and_duals(shown: str, whys: dict[str, str], flags: list[str]) -> None:
    assert "  ∇ x (hooks): [2] float32 requires_grad=True is_leaf=True hooks=1\n" in shown
    assert "  ∇ d (new): [2] float32 requires_grad=False is_leaf=True tangent=[3., 3.]\n" in shown
    assert "1 hook is registered on it (register_hook" in whys["%why x"]
    assert "It is a dual tensor of forward AD: tangent=[3., 3.]" in whys["%why d"]
    assert flags == ["anomaly mode", "dual level open", "after:"]


def test_the_report_why_and_toolbar_show_hooks_tangents_and_anomaly_mode() -> None:
    from gradsh.repl.toolbar import toolbar

    shown, whys, flags = _hooks_and_duals("gradsh.torch")
    _check_hooks_and_duals(shown, whys, flags)
    assert "└── MulBackward0 [1 prehook]\n" in whys["%graph y"]  # node hooks: listed on the engine only
    text = "".join(part for _, part in toolbar(GradMode(True, False), "", "gradsh.torch", True, False, flags[:2]))
    assert "grad mode: grad enabled │ anomaly mode │ dual level open │ backend" in text


@pytest.mark.parity
def test_hooks_tangents_and_anomaly_mode_on_real_torch() -> None:
    pytest.importorskip("torch")
    shown, whys, flags = _hooks_and_duals("torch")
    _check_hooks_and_duals(shown, whys, flags)


def test_graph_and_why_show_tensors_saved_through_saved_tensor_hooks(repl: Repl) -> None:
    said(
        repl,
        "x = torch.ones(2, requires_grad=True)\n",
        "with torch.autograd.graph.saved_tensors_hooks(lambda t: ('box', t), lambda p: p[1]):\n    y = x * x\n\n",
        "z = x * x\n",
    )
    assert "└── MulBackward0 [2 saved through saved_tensors_hooks, packed as tuple]\n" in said(repl, "%graph y")
    assert "Its grad_fn keeps 2 saved tensors through saved_tensors_hooks (packed as tuple)" in said(repl, "%why y")
    assert "saved_tensors_hooks" not in said(repl, "%graph z") + said(repl, "%why z")
