"""The session: `import torch` binding, captured output, exceptions, warnings and the grad report."""

import sys
import warnings
from collections.abc import Iterator

import pytest

from gradsh.transcript.session import Session


@pytest.fixture
def session() -> Iterator[Session]:
    with Session() as s:
        s.run("import torch\n")
        yield s


def lines(session: Session, source: str) -> dict[str, tuple]:
    run = session.run(source)
    assert run.exception is None, run.got
    return {t.name: (t.changes, t.requires_grad, t.is_leaf, t.grad_fn, t.grad) for t in run.report.tensors}


def test_import_torch_and_its_submodules_give_the_backend(session: Session) -> None:
    # One statement per example, as doctest compiles them ("single" mode); `;` joins simple ones.
    run = session.run(
        "import torch.nn.functional as F; from torch import autograd; print(torch.__name__, F.__name__)\n"
    )
    assert run.got == "gradsh.torch gradsh.torch.nn.functional\n"


def test_output_display_and_exception_are_captured_apart(session: Session) -> None:
    run = session.run("print('hi'); 1 + 1\n")
    assert run.got == "hi\n2\n" and run.displayed == ["2"] and run.exc_msg is None
    run = session.run("print('before'); torch.ones(1).backward(torch.ones(2))\n")
    assert run.got == "before\n" and run.exception.type == "RuntimeError" and run.exc_msg.startswith("RuntimeError: ")


def test_report_names_new_and_changed_tensors(session: Session) -> None:
    assert lines(session, "x = torch.ones(2, requires_grad=True)\n") == {"x": (["new"], True, True, None, None)}
    assert lines(session, "y = x * 2\n") == {"y": (["new"], True, False, "MulBackward0", None)}
    assert lines(session, "y.sum().backward()\n") == {"x": (["grad"], True, True, None, "[2., 2.]")}
    assert lines(session, "(x * 2).sum().backward()\n") == {"x": (["grad"], True, True, None, "[4., 4.]")}
    assert lines(session, "with torch.no_grad():\n    x.add_(1)\n") == {
        "x": (["in-place"], True, True, None, "[4., 4.]")
    }
    assert lines(session, "x.grad = None\n") == {"x": (["grad"], True, True, None, None)}
    assert lines(session, "x = torch.zeros(1)\n") == {"x": (["rebound"], False, True, None, None)}
    assert lines(session, "x.requires_grad_()\n") == {"x": (["requires_grad"], True, True, None, None)}
    assert lines(session, "x.shape\n") == {}


def test_report_goes_one_level_into_what_names_hold(session: Session) -> None:
    session.run("class Box:\n    pass\n")
    source = (
        "class Mod:\n    def named_parameters(self):\n        return [('weight', w)]\n"
        "    def named_buffers(self):\n        return []\n"
    )
    session.run(source)
    source = (
        "w = torch.nn.Parameter(torch.ones(2)); b = Box(); b.t = torch.ones(1); m = Mod(); "
        "seq = [torch.ones(1), 3]; d = {'a': torch.ones(1)}\n"
    )
    found = lines(session, source)
    assert {"w", "b.t", "m.weight", "seq[0]", "d['a']"} <= set(found)
    run = session.run("m.named_parameters()[0][1].sum().backward()\n")
    assert {t.name for t in run.report.tensors} == {"w", "m.weight"}


def test_grad_mode_before_and_after_only_when_it_changed(session: Session) -> None:
    run = session.run("torch.set_grad_enabled(False)\n")
    try:
        assert (run.report.mode_before.grad_enabled, run.report.mode_after.grad_enabled) == (True, False)
        assert session.run("1\n").report.mode_before is None
    finally:
        session.run("torch.set_grad_enabled(True)\n")  # grad mode is the engine's, shared by sessions in a process


def test_report_never_warns_about_non_leaf_grads(session: Session) -> None:
    session.run("x = torch.ones(2, requires_grad=True)\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = session.run("y = x * 2; z = y[0]\n")
    assert run.warnings == [] and {t.name for t in run.report.tensors} == {"y", "z"}


def test_user_warnings_are_captured_per_example(session: Session) -> None:
    run = session.run("x = torch.ones(2, requires_grad=True); y = x * 2; y.grad\n")
    assert len(run.warnings) == 1
    assert run.warnings[0].startswith("UserWarning: The .grad attribute of a Tensor that is not a leaf")


def test_inference_tensors_do_not_break_the_report(session: Session) -> None:
    run = session.run("with torch.inference_mode():\n    i = torch.ones(2)\n")
    assert [t.name for t in run.report.tensors] == ["i"]
    assert session.run("i + 1\n").exception is None


def test_ipython_mode_shows_only_the_last_expression(session: Session) -> None:
    run = session.run("1\n2\n", ipython=True)
    assert run.got == "2\n" and run.displayed == ["2"]


def test_backend_that_cannot_be_imported() -> None:
    from gradsh.transcript.backend import BackendError

    with pytest.raises(BackendError, match="cannot import the backend 'no_such_backend'"):
        Session("no_such_backend")


def test_a_closed_session_leaves_sys_modules_torch_as_it_was() -> None:
    before = {n: m for n, m in sys.modules.items() if n == "torch" or n.startswith("torch.")}
    with Session() as s:
        assert sys.modules["torch"] is s.torch and sys.modules["torch.nn"].__name__ == "gradsh.torch.nn"
    after = {n: m for n, m in sys.modules.items() if n == "torch" or n.startswith("torch.")}
    assert after == before


def test_interactive_run_names_the_users_line_without_gradsh_frames(session: Session) -> None:
    session.run("def f(t):\n    return t.backward()\n", "<session-test 1>", interactive=True)
    run = session.run("f(torch.ones(2))\n", "<session-test 2>", interactive=True)
    assert run.traceback.startswith("Traceback (most recent call last):\n")
    assert 'File "<session-test 2>", line 1, in <module>\n    f(torch.ones(2))\n' in run.traceback
    assert 'File "<session-test 1>", line 2, in f\n    return t.backward()\n' in run.traceback
    assert "gradsh" not in run.traceback
    assert run.traceback.endswith(run.exc_msg)
    syntax = session.run("x = = 1\n", "<session-test 3>", interactive=True)
    assert syntax.traceback.startswith('  File "<session-test 3>", line 1\n') and syntax.exception.type == "SyntaxError"
    assert session.run("1\n").traceback == ""  # run/check keep doctest's short form only


def test_interactive_run_turns_ctrl_c_into_the_examples_exception(session: Session) -> None:
    run = session.run("x = torch.ones(1)\nraise KeyboardInterrupt\n".replace("\n", "; ", 1), "<i>", interactive=True)
    assert run.interrupted and [t.name for t in run.report.tensors] == ["x"]
    with pytest.raises(KeyboardInterrupt):
        session.run("raise KeyboardInterrupt\n")
