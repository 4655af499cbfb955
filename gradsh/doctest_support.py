"""Run a transcript under Python's own doctest, with `import torch` bound to a chosen backend module.

This is the measuring stick for the engine until gradsh's own runner lands: the stdlib decides what
passes, so a transcript that passes here passes `python -m doctest` on real PyTorch too. Used by
scripts/replay_seed.py (in process) and by the conformance tests (one fresh child process per file,
so grad mode, print options and the random state never leak from one file into the next).

As a module: ``python -m gradsh.doctest_support [--backend MODULE] --json OUT FILE`` runs FILE and
writes its per-example outcomes to OUT as JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import doctest
import json
import os
import signal
import subprocess
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from gradsh.transcript.backend import DEFAULT_BACKEND, bind_torch  # re-exported for scripts

TRACEBACK_HEADER = "Traceback (most recent call last):\n"
_Out = Callable[[str], object]  # doctest's report writer


@dataclasses.dataclass
class ExampleOutcome:
    """What one `>>>` example did: `line` is the 1-based line of its first source line in the file."""

    line: int
    source: str
    want: str
    got: str
    passed: bool
    warnings: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class FileRun:
    """The outcomes of one file run in a child process, keyed by line; `error` says why there are none."""

    outcomes: dict[int, ExampleOutcome]
    error: str | None = None


def collect_examples(path: str | os.PathLike[str]) -> list[doctest.Example]:
    """The examples doctest finds in a transcript file (raises OSError / UnicodeDecodeError / ValueError)."""
    text = Path(path).read_text(encoding="utf-8")
    return doctest.DocTestParser().get_examples(text, name=str(path))


def short_traceback(got: str) -> str:
    """Cut a traceback in `got` down to doctest's own form: header, '...', the exception lines."""
    at = got.rfind(TRACEBACK_HEADER)
    if at < 0:
        return got
    tail = got[at + len(TRACEBACK_HEADER) :].splitlines(keepends=True)
    # Frame and source lines are indented; the exception itself (and its message lines) follow them.
    first = next((i for i, line in enumerate(tail) if not line.startswith(" ")), len(tail))
    return got[:at] + TRACEBACK_HEADER + "    ...\n" + "".join(tail[first:])


class _RecordingRunner(doctest.DocTestRunner):
    """A DocTestRunner that records each example's outcome instead of printing a report."""

    def __init__(self, optionflags: int, example_timeout: float) -> None:
        super().__init__(verbose=False, optionflags=optionflags)
        self.outcomes: list[ExampleOutcome] = []
        self.current_warnings: list[str] = []
        self.example_timeout = example_timeout

    def report_start(self, out: _Out, test: doctest.DocTest, example: doctest.Example) -> None:
        self.current_warnings = []
        if self.example_timeout > 0 and hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, self.example_timeout)

    def _record(self, example: doctest.Example, got: str, passed: bool) -> None:
        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        self.outcomes.append(
            ExampleOutcome(
                example.lineno + 1, example.source, example.want, short_traceback(got), passed, self.current_warnings
            )
        )

    def report_success(self, out: _Out, test: doctest.DocTest, example: doctest.Example, got: str) -> None:
        self._record(example, got, True)

    def report_failure(self, out: _Out, test: doctest.DocTest, example: doctest.Example, got: str) -> None:
        self._record(example, got, False)

    def report_unexpected_exception(
        self, out: _Out, test: doctest.DocTest, example: doctest.Example, exc_info: tuple
    ) -> None:
        # doctest has already dropped any output printed before the exception; the exception is what matters.
        lines = traceback.format_exception_only(exc_info[0], exc_info[1])
        self._record(example, TRACEBACK_HEADER + "    ...\n" + "".join(lines), False)


def _on_alarm(signum: int, frame: object) -> None:
    raise TimeoutError("example took too long (a hang? e.g. a thread that never finishes)")


def run_file(path: str | os.PathLike[str], optionflags: int = 0, example_timeout: float = 20.0) -> list[ExampleOutcome]:
    """Run one transcript in this process with whatever `torch` is bound now; return every example's outcome.

    Examples that doctest skips (`+SKIP`) have no outcome. Each example gets `example_timeout` seconds
    (0: no limit); a late one fails with a timeout and the file goes on.
    """
    text = Path(path).read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {"__name__": "__main__"}, Path(path).name, str(path), 0)
    runner = _RecordingRunner(optionflags, example_timeout)

    def show(message: Warning | str, category: type[Warning], *rest: object, **kw: object) -> None:
        runner.current_warnings.append(f"{category.__name__}: {message}")

    old_handler = signal.signal(signal.SIGALRM, _on_alarm) if hasattr(signal, "SIGALRM") else None
    try:
        # Warnings are reported beside the example, never mixed into its checked output (as in doctest).
        with warnings.catch_warnings():
            warnings.showwarning = show
            runner.run(test, out=lambda s: None)
    finally:
        if old_handler is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
    return runner.outcomes


def run_file_in_subprocess(
    path: str | os.PathLike[str],
    backend: str = DEFAULT_BACKEND,
    timeout: float = 90.0,
    extra_paths: Sequence[str | os.PathLike[str]] = (),
    example_timeout: float = 20.0,
) -> FileRun:
    """Run one transcript in a fresh Python process (no state shared with any other file) and collect its outcomes.

    `extra_paths` go first on the child's PYTHONPATH (e.g. where a test backend lives); the directory
    holding this package is always on it, so an uninstalled checkout works too.
    """
    package_root = Path(__file__).resolve().parent.parent
    paths = [str(p) for p in extra_paths] + [str(package_root)]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    with tempfile.TemporaryDirectory(prefix="gradsh-doctest-") as tmp:
        out = Path(tmp) / "outcomes.json"
        cmd = [
            sys.executable,
            "-m",
            "gradsh.doctest_support",
            "--backend",
            backend,
            "--json",
            str(out),
            "--example-timeout",
            str(example_timeout),
            str(path),
        ]
        try:
            proc = subprocess.run(
                cmd, check=False, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            return FileRun({}, f"the file did not finish within {timeout:g} s")
        if proc.returncode != 0 or not out.exists():
            detail = (proc.stderr or proc.stdout).strip()[-4000:]
            return FileRun({}, f"the child process exited with {proc.returncode}:\n{detail}")
        records = json.loads(out.read_text(encoding="utf-8"))
    outcomes = [ExampleOutcome(**r) for r in records]
    return FileRun({o.line: o for o in outcomes})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gradsh.doctest_support", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=DEFAULT_BACKEND, help="module bound to `torch` (default: gradsh.torch)")
    parser.add_argument("--json", required=True, help="where to write the outcomes")
    parser.add_argument("--example-timeout", type=float, default=20.0, help="seconds per example (0: no limit)")
    parser.add_argument("file")
    args = parser.parse_args(argv)
    bind_torch(args.backend)
    outcomes = run_file(args.file, example_timeout=args.example_timeout)
    Path(args.json).write_text(json.dumps([dataclasses.asdict(o) for o in outcomes]), encoding="utf-8")
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # A transcript may leave a non-daemon thread behind; the outcomes are written, so do not wait for it.
    os._exit(status)
