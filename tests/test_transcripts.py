"""The conformance transcripts, run under Python's own doctest with `torch` bound to gradsh.torch.

One pytest item per example, so an example that needs another issue's work can be marked xfail on
its own (tests/transcript_xfails.toml). Each file runs once per session, in its own process, so grad
mode, print options and the random state never leak between files; its items read the cached outcomes.
"""

import importlib.util
import tomllib
from pathlib import Path

import pytest

from gradsh.doctest_support import ExampleOutcome, FileRun, collect_examples, run_file_in_subprocess

HERE = Path(__file__).parent
TRANSCRIPTS = sorted((HERE / "conformance" / "transcripts").glob("*.txt")) + sorted(
    (HERE / "conformance" / "seed").glob("*.txt")
)
XFAILS_FILE = HERE / "transcript_xfails.toml"
REASONS = {"exact printing/random numbers", "torch.nn / torch.optim"}


def load_xfails() -> dict[str, dict[int, str]]:
    """{file name: {first source line of an example: reason}} from the data file."""
    data = tomllib.loads(XFAILS_FILE.read_text(encoding="utf-8"))
    return {name: {int(line): reason for line, reason in marks.items()} for name, marks in data.items()}


def _params() -> list:
    xfails = load_xfails()
    params = []
    for path in TRANSCRIPTS:
        for example in collect_examples(path):
            line = example.lineno + 1
            reason = xfails.get(path.name, {}).get(line)
            marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
            params.append(pytest.param(path, line, id=f"{path.name}:{line}", marks=marks))
    return params


_runs: dict[Path, FileRun] = {}


def _file_run(path: Path) -> FileRun:
    if path not in _runs:
        _runs[path] = run_file_in_subprocess(path, backend="gradsh.torch")
    return _runs[path]


def _explain(path: Path, outcome: ExampleOutcome) -> str:
    source = "".join(f"{'>>> ' if i == 0 else '... '}{line}\n" for i, line in enumerate(outcome.source.splitlines()))
    return f"{path.name}:{outcome.line}\n{source}expected:\n{outcome.want or '(nothing)'}\ngot:\n{outcome.got or '(nothing)'}"


@pytest.mark.parametrize(("path", "line"), _params())
def test_example(path: Path, line: int) -> None:
    run = _file_run(path)
    if run.error is not None:
        pytest.fail(f"{path.name} could not run: {run.error}", pytrace=False)
    outcome = run.outcomes.get(line)
    if outcome is None:
        pytest.skip("the transcript itself skips this example (# doctest: +SKIP)")
    if not outcome.passed:
        pytest.fail(_explain(path, outcome), pytrace=False)


def test_xfail_marks_name_real_examples_with_known_reasons() -> None:
    # A stale mark (file renamed, example moved) would silently mark nothing; catch it here.
    examples = {p.name: {e.lineno + 1 for e in collect_examples(p)} for p in TRANSCRIPTS}
    for name, marks in load_xfails().items():
        assert name in examples, f"{XFAILS_FILE.name}: no transcript named {name}"
        for line, reason in marks.items():
            assert line in examples[name], f"{XFAILS_FILE.name}: no example starts at {name}:{line}"
            assert reason in REASONS, f"{XFAILS_FILE.name}: {name}:{line}: reason {reason!r} is not one of {REASONS}"


@pytest.mark.parity
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="real PyTorch is not installed")
@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.name)
def test_transcript_passes_on_real_torch(path: Path) -> None:
    # The reference itself must pass every example: this guards the copied data and the harness.
    run = run_file_in_subprocess(path, backend="torch")
    assert run.error is None, run.error
    failed = [o for o in run.outcomes.values() if not o.passed]
    assert not failed, "\n\n".join(_explain(path, o) for o in failed)
