#!/usr/bin/env python3
"""Benchmark `gradsh check` against `python -m doctest` with real PyTorch on the same transcript, in one run.

usage: python scripts/bench_check.py [FILE] [--runs N]
       python scripts/bench_check.py --many [--files 200] [--runs N]

Wall time of whole commands, as a user meets them (start-up included): `gradsh check FILE` on
gradsh's engine, and `python -m doctest FILE` with `torch` being real PyTorch. Runs alternate
(A B A B ...) so both see the same machine load; the report gives each median and the median
of the per-pair ratios doctest / gradsh (higher is better for gradsh; the target is 5x).

--many (issue 17's workload (g)): many files at once, in one process each way. It writes --files
transcripts of 10 examples (scripts/check_corpus.py: grad modes, backward, .grad, printed tensors,
expected errors; outputs recorded with real PyTorch) into a temporary folder, checks that both
`python -m doctest DIR/*.txt` and `gradsh check DIR/*.txt` pass them, then times the two, alternating,
and reports the median of the per-pair ratios gradsh / doctest (lower is better; the target is 0.5x).
Run it with a Python that has gradsh and torch==2.13.0 installed (e.g. `pip install -e . torch==2.13.0`).
Without torch it prints gradsh's own time only (--many needs torch to record the outputs).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scripts" / "seed_article_2.txt"


def gradsh_command() -> list[str]:
    script = Path(sys.executable).parent / "gradsh"
    return [str(script)] if script.exists() else [shutil.which("gradsh") or sys.executable, "-m", "gradsh"][:3]


# As a user's shell runs them: bytecode caches written and used (an environment that turns them off would
# have gradsh compile its engine's source at every start, ~0.4 s, and torch not: its caches are installed).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
    "NO_COLOR": "1",
    "PYTHONWARNINGS": "ignore",
}


def timed(argv: list[str], expect: int = 0) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL, env=ENV)
    elapsed = time.perf_counter() - start
    if proc.returncode != expect:
        raise SystemExit(f"bench_check.py: {' '.join(argv)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return elapsed


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s  (min {min(values):.3f}, max {max(values):.3f})"


def many(files: int, runs: int) -> int:
    """Workload (g): `gradsh check` vs one `python -m doctest` process over `files` generated transcripts."""
    if importlib.util.find_spec("torch") is None:
        raise SystemExit("bench_check.py --many: needs torch==2.13.0 (to record the outputs and to run doctest)")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import check_corpus

    with tempfile.TemporaryDirectory(prefix="gradsh-bench-check-") as folder:
        paths = check_corpus.write(Path(folder), files)
        gradsh = [*gradsh_command(), "check", *paths]
        doctest = [sys.executable, "-m", "doctest", *paths]
        _verify(doctest, "python -m doctest")
        _verify(gradsh, "gradsh check")
        ours, theirs, ratios = [], [], []
        for _ in range(runs):
            ours.append(timed(gradsh))
            theirs.append(timed(doctest))
            ratios.append(ours[-1] / theirs[-1])
    examples = files * check_corpus.EXAMPLES_PER_FILE
    print(f"{files} files, {examples} examples; {runs} pairs of whole-process runs, alternating")
    print(f"gradsh check (gradsh engine):   {_spread(ours)}  {statistics.median(ours) / files * 1000:.1f} ms a file")
    print(f"python -m doctest (real torch): {_spread(theirs)}")
    print(
        f"ratio gradsh/doctest:           median {statistics.median(ratios):.2f}x  "
        f"(range {min(ratios):.2f}x - {max(ratios):.2f}x; target <= 0.5x)"
    )
    return 0


def _verify(argv: list[str], name: str) -> None:
    """Both must pass every example, or the timing compares different work."""
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL, env=ENV)
    failed = name == "python -m doctest" and (proc.stdout.strip() or proc.stderr.strip())
    if proc.returncode != 0 or failed:
        raise SystemExit(
            f"bench_check.py: {name} does not pass the corpus (exit {proc.returncode}):\n"
            f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(DEFAULT), help="a transcript (default: the seed article's 2)")
    parser.add_argument("--runs", type=int, default=7, help="pairs of runs (default 7)")
    parser.add_argument("--many", action="store_true", help="workload (g): many generated files in one run")
    parser.add_argument("--files", type=int, default=200, help="with --many: how many files (default 200)")
    args = parser.parse_args(argv)
    if args.many:
        return many(args.files, args.runs)

    gradsh = [*gradsh_command(), "check", args.file]
    doctest = [sys.executable, "-m", "doctest", args.file]
    has_torch = importlib.util.find_spec("torch") is not None
    timed(gradsh), has_torch and timed(doctest)  # warm the file caches once
    ours, theirs, ratios = [], [], []
    for _ in range(args.runs):
        ours.append(timed(gradsh))
        if has_torch:
            theirs.append(timed(doctest))
            ratios.append(theirs[-1] / ours[-1])
    print(f"file: {args.file} ({args.runs} runs each, alternating)")
    print(f"gradsh check (gradsh engine):     median {statistics.median(ours):.3f} s  (min {min(ours):.3f})")
    if not has_torch:
        print("python -m doctest (real torch):   skipped, torch is not installed")
        return 0
    print(f"python -m doctest (real torch):   median {statistics.median(theirs):.3f} s  (min {min(theirs):.3f})")
    print(
        f"speed-up doctest/gradsh:          median {statistics.median(ratios):.2f}x  "
        f"(range {min(ratios):.2f}x - {max(ratios):.2f}x; target 5x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
