#!/usr/bin/env python3
"""Micro-benchmark: gradsh's bit-exact float32 whole-tensor sum (ops/accumulate.py) against numpy's sum.

usage: python scripts/bench_accumulate.py [--sizes 4,640,1000000]

Prints, per size, the best-of-7 time of each (the exact sum must stay within a small factor of numpy's).
"""

from __future__ import annotations

import argparse
import os
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gradsh.engine.ops.accumulate import exact_sum


def best(fn, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="4,64,640,10000,100000,1000000")
    args = ap.parse_args()
    print(f"{'elements':>10} {'exact_sum':>12} {'numpy sum':>12} {'ratio':>7}")
    for n in (int(s) for s in args.sizes.split(",")):
        x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
        number = int(max(5, 20_000 // max(n, 1) ** 0.5))
        exact, plain = best(lambda x=x: exact_sum(x), number), best(x.sum, number)
        print(f"{n:>10} {exact * 1e6:>10.1f}us {plain * 1e6:>10.1f}us {exact / plain:>6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
