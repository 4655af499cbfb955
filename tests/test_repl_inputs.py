"""What counts as a finished input, auto-indent, pasted `>>>` blocks, statement splitting, grad-mode blocks."""

import pytest

from gradsh.repl import inputs


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("x = 1", True),
        ("", True),
        ("with torch.no_grad():", False),
        ("with torch.no_grad():\n    y = x * 2", False),
        ("with torch.no_grad():\n    y = x * 2\n    ", True),  # a blank line ends the block
        ("x = [1,", False),
        ("x = = 1", True),  # runs, and shows the SyntaxError
        ("x = 1\ny = 2", True),  # pasted code: statement by statement
        ("%why x", True),
        (">>> x = 1\n>>> if x:\n...     pass", True),
    ],
)
def test_is_complete(text: str, complete: bool) -> None:
    assert inputs.is_complete(text) is complete


def test_next_indent() -> None:
    assert inputs.next_indent("with torch.no_grad():") == "    "
    assert inputs.next_indent("for i in x:  # loop") == "    "
    assert inputs.next_indent("    y = 1") == "    "
    assert inputs.next_indent("def f():\n    return 1") == ""
    assert inputs.next_indent("x = 1") == ""


def test_split_pasted_runs_examples_as_typed_and_drops_their_output() -> None:
    block = ">>> x = torch.ones(2)\n>>> for i in range(2):\n...     print(i)\n...\n0\n1\n>>> x\ntensor([1., 1.])\n"
    assert inputs.split_pasted(block) == ["x = torch.ones(2)\n", "for i in range(2):\n    print(i)\n", "x\n"]


def test_statements_keep_lines_and_semicolons_together() -> None:
    source = "a = 1; b = 2\n@dec\ndef f():\n    return 1\n\nf()\n"
    assert inputs.statements(source) == [(1, "a = 1; b = 2\n"), (2, "@dec\ndef f():\n    return 1\n"), (6, "f()\n")]
    assert inputs.statements("x = = 1\n") == [(1, "x = = 1\n")]


def test_grad_blocks_follow_the_cursor() -> None:
    assert inputs.grad_blocks("with torch.no_grad():\n    ") == ["no_grad"]
    nested = "with torch.no_grad():\n    with torch.enable_grad():\n        y = x\n        "
    assert inputs.grad_blocks(nested) == ["no_grad", "enable_grad"]
    assert inputs.grad_blocks("with torch.no_grad():\n    y = 1\n") == []  # back at column 0
    assert inputs.grad_blocks("with torch.inference_mode():\n    ") == ["inference_mode"]
    assert inputs.grad_blocks("with open('f') as f:\n    ") == []
