#!/usr/bin/env python3
"""Replay a `>>>` transcript on gradsh's engine under Python's own doctest, showing every example's output.

usage: python scripts/replay_seed.py FILE [--backend MODULE]

`import torch` in the transcript gets gradsh.torch (or MODULE; `--backend torch` runs real PyTorch).
Prints each example with what it actually printed and whether that matches the transcript, then
'N passed, M failed'. Exit status: 0 all passed, 1 some example failed, 2 unusable input.
The harness behind the conformance tests; `gradsh run FILE` is the user-facing replay.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

# Runs from a plain checkout too: the package beside this folder comes first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradsh.doctest_support import DEFAULT_BACKEND, ExampleOutcome, bind_torch, collect_examples, run_file
from gradsh.transcript.backend import BackendError


def _prompted(source: str) -> str:
    lines = source.rstrip("\n").splitlines()
    return "\n".join((">>> " if i == 0 else "... ") + line for i, line in enumerate(lines))


def _show(outcome: ExampleOutcome) -> None:
    print(f"[{'ok' if outcome.passed else 'FAILED'}] line {outcome.line}")
    print(_prompted(outcome.source))
    if outcome.got:
        print(outcome.got, end="" if outcome.got.endswith("\n") else "\n")
    for warning in outcome.warnings:
        print(f"  (warning) {warning}")
    if not outcome.passed:
        print("  expected:")
        print(textwrap.indent(outcome.want or "(nothing)\n", "  | "), end="")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("file", help="a transcript: prose with `>>>` examples and their expected output")
    parser.add_argument("--backend", default=DEFAULT_BACKEND, help="module bound to `torch` (default: gradsh.torch)")
    args = parser.parse_args(argv)

    path = Path(args.file)
    if not path.is_file():
        print(f"replay_seed.py: no such file: {path}", file=sys.stderr)
        return 2
    try:
        examples = collect_examples(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"replay_seed.py: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    if not examples:
        print(f"replay_seed.py: no `>>>` examples in {path}", file=sys.stderr)
        return 2
    try:
        bind_torch(args.backend)
    except BackendError as exc:  # says which backend and why
        print(f"replay_seed.py: {exc}", file=sys.stderr)
        return 2

    print(f"replaying {path} with torch = {args.backend}\n")
    outcomes = run_file(path)
    for outcome in outcomes:
        _show(outcome)
    failed = sum(not o.passed for o in outcomes)
    print(f"{len(outcomes) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
