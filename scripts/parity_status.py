#!/usr/bin/env python3
"""Run every op_db, module_db and optim_db entry on gradsh and compare with the must-pass list.

usage: python scripts/parity_status.py [--dtypes float32,float64] [--match REGEX] [--add] [-v] [--backend torch]
(`--dtypes complex64,complex128` measures the complex entries.)

Prints the entries that pass now but are not in tests/parity/must_pass.txt (a breadth issue's gain:
`--add` writes them into the list), and the listed entries that do not pass (a regression; the exit
status is then 1). `-v` prints every entry's verdict; `--backend torch` is the harness's self-check
(PyTorch against itself: every entry that can run passes). Run it from any directory with a Python that has
gradsh, torch==2.13.0 and expecttest; it takes about half a minute on 2 cores. The comparisons are those
of the parity tests (tests/test_parity_db.py), which run only the listed entries.
"""

from __future__ import annotations

import argparse
import importlib
import re
import signal
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the harness lives beside the tests that use it

from parity.entries import DTYPES, MUST_PASS, Entry, add_to_list, all_entries, read_list, run_entry

TIMEOUT = 30  # seconds per entry and dtype; a hang is a failure, not the end of the run


class Timeout(BaseException):
    """Raised by SIGALRM; a BaseException so that no `except Exception` on either side swallows it."""


def on_alarm(signum: int, frame: object) -> None:
    raise Timeout()


def status_of(entry: Entry, B: object) -> str:
    """The entry's verdict as one line (`PASS 3/3/0`, `FAIL 0/2/0 #0 out: values differ ...`)."""
    signal.alarm(TIMEOUT)
    try:
        return str(run_entry(entry, B))
    except Timeout:
        return f"FAIL timeout after {TIMEOUT} s"
    except LookupError as e:
        return f"UNKNOWN {e}"
    finally:
        signal.alarm(0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--match", default="", help="regex searched in an entry's line (`opinfo float32 add`)")
    ap.add_argument("--add", action="store_true", help="write the entries that pass but are not listed into the list")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every entry's verdict")
    ap.add_argument("--backend", default="gradsh.torch", help="module to measure (`torch`: PyTorch against itself)")
    opts = ap.parse_args(argv)
    if opts.add and opts.backend != "gradsh.torch":
        ap.error("--add lists what passes on gradsh.torch; it cannot go with another --backend")

    dtypes = [d.strip() for d in opts.dtypes.split(",") if d.strip()]
    unknown = [d for d in dtypes if d not in DTYPES]
    if unknown:
        ap.error(f"unknown dtype {', '.join(unknown)} (expected some of {', '.join(DTYPES)})")

    warnings.simplefilter("ignore")
    B = importlib.import_module(opts.backend)

    start = time.time()
    pattern = re.compile(opts.match)
    listed = {entry: where for where, entry in read_list()}
    # Every listed entry runs too, whatever its dtype, and an entry the databases no longer have.
    todo = sorted(e for e in set(all_entries(dtypes)) | set(listed) if pattern.search(str(e)))
    signal.signal(signal.SIGALRM, on_alarm)
    gained, lost, passing = [], [], 0
    for entry in todo:
        line = status_of(entry, B)
        ok = line.startswith("PASS ")
        passing += ok
        if opts.verbose:
            print(f"{line.split(' ', 1)[0]:<10} {entry}  {line.split(' ', 1)[1][:110]}", flush=True)
        if ok and entry not in listed:
            gained.append(entry)
        elif not ok and entry in listed:
            lost.append((entry, line))

    print(f"\n== passing, not listed in {MUST_PASS.relative_to(ROOT)} ({len(gained)}) ==")
    print("\n".join(map(str, gained)) or "(none)")
    print(f"\n== listed, not passing ({len(lost)}) ==")
    print("\n".join(f"{listed[e]}: {e}: {line[:150]}" for e, line in lost) or "(none)")
    print(
        f"\nparity: {passing} of {len(todo)} entries pass; {len(listed)} listed; "
        f"{len(gained)} to add, {len(lost)} regressed ({time.time() - start:.0f} s)"
    )
    if opts.add and gained:
        add_to_list(MUST_PASS, gained)
        print(f"added {len(gained)} entries to {MUST_PASS.relative_to(ROOT)}")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
