"""One vocabulary for grad modes (gradsh/report/grad_modes.py): its words, and PyTorch's behaviour behind them."""

import re
from pathlib import Path

import pytest

from gradsh.report import grad_modes
from gradsh.report.model import GradMode

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize(
    ("text", "setter"),
    [
        ("torch.no_grad()", "no_grad"),
        ("no_grad", "no_grad"),
        ("torch.autograd.grad_mode.no_grad()", "no_grad"),
        ("torch.enable_grad()", "enable_grad"),
        ("torch.set_grad_enabled(False)", "set_grad_enabled(False)"),
        ("torch.set_grad_enabled(mode=True)", "set_grad_enabled(True)"),
        ("torch.set_grad_enabled(training)", None),
        ("torch.inference_mode()", "inference_mode"),
        ("torch.inference_mode(True)", "inference_mode"),
        ("torch.inference_mode(mode=False)", "inference_mode(False)"),
        ("open('f')", None),
        ("1 +", None),
    ],
)
def test_setters_are_named_as_pytorch_names_them(text: str, setter: str | None) -> None:
    assert grad_modes.setter_of(text) == setter


def test_states_in_words() -> None:
    assert grad_modes.state_words(GradMode(True, False)) == "grad enabled"
    assert grad_modes.state_words(GradMode(False, False)) == "grad disabled"
    assert grad_modes.state_words(GradMode(False, True)) == "inference mode"
    assert grad_modes.state_words(None) == "unknown"


def test_the_readme_shows_the_table() -> None:
    text = README.read_text(encoding="utf-8")
    table = "\n".join(grad_modes.readme_table())
    assert table in text


def _torch_mode(torch, setters: list[str]) -> GradMode:
    import contextlib

    managers = {
        "no_grad": torch.no_grad,
        "enable_grad": torch.enable_grad,
        "set_grad_enabled(False)": lambda: torch.set_grad_enabled(False),
        "set_grad_enabled(True)": lambda: torch.set_grad_enabled(True),
        "inference_mode": torch.inference_mode,
        "inference_mode(False)": lambda: torch.inference_mode(False),
    }
    with contextlib.ExitStack() as stack:
        for setter in setters:
            stack.enter_context(managers[setter]())
        return GradMode(torch.is_grad_enabled(), torch.is_inference_mode_enabled())


PAIRS = [(a, b) for a in grad_modes.SETTERS for b in grad_modes.SETTERS]


@pytest.mark.parametrize(("outer", "inner"), PAIRS)
def test_the_table_is_what_the_engine_does(outer: str, inner: str) -> None:
    from gradsh import torch

    want = grad_modes.under(grad_modes.under(GradMode(True, False), outer), inner)
    assert _torch_mode(torch, [outer, inner]) == want


@pytest.mark.parity
@pytest.mark.parametrize(("outer", "inner"), PAIRS)
def test_the_table_is_what_pytorch_does(outer: str, inner: str) -> None:
    torch = pytest.importorskip("torch")
    want = grad_modes.under(grad_modes.under(GradMode(True, False), outer), inner)
    assert _torch_mode(torch, [outer, inner]) == want


def test_renderers_use_the_vocabulary() -> None:
    from gradsh.report.model import GradReport
    from gradsh.report.text import report_lines

    lines = report_lines(GradReport([], GradMode(True, False), GradMode(False, True)))
    assert lines == ["grad mode: grad enabled -> inference mode"]
    # no module of gradsh's front end words a grad mode on its own
    root = README.parent / "gradsh"
    for path in [*root.glob("repl/*.py"), *root.glob("report/*.py")]:
        if path.name != "grad_modes.py":
            assert not re.search(r"\"grad (on|off)\"|\"grad enabled\"|\"grad disabled\"", path.read_text()), path
