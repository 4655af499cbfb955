"""Property-based fuzzing of parse, check and --fix with random and mutated transcripts.

Properties: gradsh never fails with its own traceback (every input ends in verdicts or an input
error, exit 2), and on these deterministic examples `--fix` followed by `check` passes on what
it wrote. Each file runs in a forked child, as the command does, so no state leaks between inputs.
"""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gradsh.cli import app
from gradsh.report.model import FAILED, PASSED
from gradsh.transcript.pool import run_isolated
from gradsh.transcript.replace import replace_file
from gradsh.transcript.runner import Options

PIECES = [
    ">>> import torch",
    ">>> _ = torch.manual_seed(0)",
    ">>> x = torch.ones(2, requires_grad=True)",
    ">>> x",
    "tensor([1., 1.], requires_grad=True)",
    ">>> y = (x * 2).sum()",
    ">>> y.backward()",
    ">>> x.grad",
    "tensor([2., 2.])",
    ">>> print('a\\n\\nb')",
    "a",
    "<BLANKLINE>",
    "b",
    ">>> for i in range(2):",
    "...     print(i)",
    "...",
    "... ",
    "Traceback (most recent call last):",
    "    ...",
    "RuntimeError: boom",
    ">>> raise RuntimeError('boom')",
    "```pycon",
    "```",
    "~~~",
    "Prose line.",
    "",
    "",
    "    >>> 1 + 1",
    "    2",
    ">>> [1, 2, 3]  # doctest: +ELLIPSIS",
    "[1, ..., 3]",
    ">>> print('x' * 3000)",
    "In [1]: 1 + 1",
    "Out[1]: 2",
    "   ...: ",
    "\t>>> 3",
    ">>>x",
    ">>> 2.0001",
    ">>> torch.randn(2)",
    '"""',
    "'''",
    ">>> 1.5  # gradsh: +TOLERANCE",
    ">>> 1  # xdoctest: +SKIP",
    ">>> print(end='')",
    ">>> type(torch.no_grad()).__name__",  # not its repr: that holds an address
    ">>> with torch.no_grad():",
    "...     z = x * 3",
    ">>> z",
    ">>> 1 +",
    "Code::",
    ".. code-block:: pycon",
]
LINE = st.one_of(st.sampled_from(PIECES), st.text(string.printable.replace("\r", "").replace("\n", ""), max_size=12))


@st.composite
def transcripts(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from([".txt", ".md", ".rst", ".pycon", ".py"]))
    if draw(st.integers(0, 19)) == 0:
        return suffix, draw(st.binary(max_size=200))  # raw bytes: often not UTF-8 at all
    lines = draw(st.lists(LINE, max_size=25))
    text = "\n".join(lines) + draw(st.sampled_from(["", "\n"]))
    if suffix == ".py" and draw(st.booleans()):
        text = f'"""\n{text}\n"""\n'
    data = text.encode()
    if draw(st.booleans()):
        data = data.replace(b"\n", b"\r\n")
    if data and draw(st.integers(0, 4)) == 0:
        data = data[: draw(st.integers(0, len(data)))]  # a truncated file, often mid-line
    if data and draw(st.integers(0, 6)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    return suffix, data


OPTIONS = Options(timeout=10.0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=transcripts())
def test_check_and_fix_never_crash_and_fix_then_check_passes(tmp_path, case: tuple[str, bytes]) -> None:
    suffix, data = case
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    first = run_isolated(str(path), Options(timeout=10.0, fix=True))
    result = first.result
    assert not any(e.line == 0 for e in result.examples), result.examples[0].reason  # the child crashed
    if result.error is not None:
        assert result.error.startswith(str(path)) and not result.examples and first.new_bytes is None
        return
    assert all(e.verdict in ("passed", "failed", "skipped") for e in result.examples)
    if first.new_bytes is None:
        return
    replace_file(path, first.old_bytes, first.new_bytes)
    again = run_isolated(str(path), OPTIONS).result
    assert again.error is None, again.error
    assert len(again.examples) == len(result.examples)
    for before, after in zip(result.examples, again.examples, strict=True):
        if before.fixed or before.verdict == PASSED:
            assert after.verdict == PASSED, (before, after)
        if before.verdict == FAILED and not before.fixed:
            assert after.verdict == FAILED


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=transcripts())
def test_the_command_ends_in_0_1_or_2(tmp_path, case: tuple[str, bytes]) -> None:
    suffix, data = case
    path = tmp_path / f"cli{suffix}"
    path.write_bytes(data)
    result = CliRunner().invoke(app, ["check", "--no-color", "--timeout", "10", "--format", "json", str(path)])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
