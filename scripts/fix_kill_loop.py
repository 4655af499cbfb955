#!/usr/bin/env python3
"""kill -9 `gradsh check --fix` at random moments: the file is always whole, old or fixed, never damaged.

usage: python scripts/fix_kill_loop.py [--kills N] [--examples N] [--folder DIR] [--seed S]

Writes a transcript of N failing examples, records what a complete `--fix` makes of it and how long
that takes, then starts `gradsh check --fix` again and again and kills its whole process group with
SIGKILL at a random moment of the run (biased towards the end, where the write is). After each kill
the file must hold exactly the original bytes or exactly the fixed ones. Finally one run goes to the
end, and no temporary file of gradsh's may remain in the folder. Exit status 0 when all of this holds.
tests/test_fix_careful.py runs it with a few kills; run it with more (`--kills 200`) by hand.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUFFIX = ".gradsh-tmp"


def gradsh(path: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "gradsh", "check", "--fix", "--no-color", "--timeout", "0", str(path)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(SUFFIX))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--examples", type=int, default=1500)
    parser.add_argument("--folder", default=None)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = Path(args.folder or tempfile.mkdtemp(prefix="gradsh-kill-"))
    path = folder / "t.txt"
    original = "".join(f"Prose {i}.\n\n>>> {i} * 2\n{i}\n\n" for i in range(args.examples)).encode()

    path.write_bytes(original)
    start = time.monotonic()
    if gradsh(path).wait() != 0:
        print("the complete --fix run failed")
        return 1
    full = time.monotonic() - start
    fixed = path.read_bytes()
    if fixed == original:
        print("the complete --fix run changed nothing")
        return 1

    seen = {"original": 0, "fixed": 0}
    most_temps = 0
    for _ in range(args.kills):
        if path.read_bytes() != original:
            path.write_bytes(original)
        proc = gradsh(path)
        time.sleep(full * rng.triangular(0.2, 1.15, 1.0))
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        now = path.read_bytes()
        if now not in (original, fixed):
            print(f"DAMAGED: after a kill the file holds {len(now)} bytes, neither the original nor the fix")
            return 1
        seen["original" if now == original else "fixed"] += 1
        most_temps = max(most_temps, len(temps(folder)))

    path.write_bytes(original)
    if gradsh(path).wait() != 0 or path.read_bytes() != fixed:
        print("the run after the kills did not fix the file")
        return 1
    left = temps(folder)
    print(
        f"{args.kills} kills (run: {full:.2f} s): file never damaged; left original {seen['original']}, "
        f"fixed {seen['fixed']}; at most {most_temps} temporary file(s) after a kill, "
        f"{len(left)} after the next complete run"
    )
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
