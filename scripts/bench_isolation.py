#!/usr/bin/env python3
"""What running each file in its own child process costs: per file, forked child vs this process.

usage: python scripts/bench_isolation.py [FILE] [--files N] [--runs R]

Checks N copies of FILE (default scripts/seed_article_2.txt) two ways, alternating runs so both
see the same load: every file through `run_files` (a forked child per file, results streamed
back; the way `gradsh check` runs them) and every file through `run_file` in this process, one
after another (no isolation). Prints the median per-file time of each and their difference, the
cost of isolation (the target: at most 10 ms per file). The backend is imported once first, as
`gradsh check` does before forking.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from gradsh.transcript.backend import preload
from gradsh.transcript.pool import run_files
from gradsh.transcript.runner import Options, run_file

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", default=str(ROOT / "scripts" / "seed_article_2.txt"))
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    options = Options(timeout=60.0)
    preload(options.backend)
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i in range(args.files):
            path = Path(folder) / f"copy{i}{Path(args.file).suffix}"
            shutil.copyfile(args.file, path)
            paths.append(str(path))
        run_file(paths[0], options)  # warm up: first-use imports inside the engine
        times: dict[str, list[tuple[float, float]]] = {"forked": [], "inline": []}
        for _ in range(args.runs):
            with measure(times["forked"], len(paths)):
                run_files(paths, options)
            with measure(times["inline"], len(paths)):
                for path in paths:
                    run_file(path, options)
    print(f"{args.files} files x {args.runs} runs of {args.file}; medians per file, wall and CPU (parent + children)")
    wall = {k: statistics.median(w for w, _ in v) * 1000 for k, v in times.items()}
    cpu = {k: statistics.median(c for _, c in v) * 1000 for k, v in times.items()}
    print(f"child process per file: {wall['forked']:.1f} ms wall, {cpu['forked']:.1f} ms CPU")
    print(f"in this process:        {wall['inline']:.1f} ms wall, {cpu['inline']:.1f} ms CPU")
    print(
        f"isolation cost:         {wall['forked'] - wall['inline']:+.1f} ms wall, "
        f"{cpu['forked'] - cpu['inline']:+.1f} ms CPU per file (target: at most 10 ms)"
    )


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextlib.contextmanager
def measure(into: list[tuple[float, float]], count: int) -> Iterator[None]:
    wall, cpu = time.perf_counter(), _cpu()
    yield
    into.append(((time.perf_counter() - wall) / count, (_cpu() - cpu) / count))


if __name__ == "__main__":
    main()
