"""What the `exact` extra (MKL VML through ctypes) costs per call, against the numpy kernels it replaces.

    .venv/bin/python scripts/bench_exact_math.py [--ops tanh,exp,sqrt] [--sizes 1,16,256,4096,100000]

Runs each op on float32 and float64 tensors of each size twice, in two child processes: once with MKL
(needs `pip install -e '.[exact]'`) and once with GRADSH_EXACT=0 (the numpy path), and prints the best
of five timings per call in microseconds. Tiny tensors show the ctypes call overhead; large ones MKL's speed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, sys, timeit
import gradsh.torch as torch
from gradsh.engine import exact_math
ops, sizes = sys.argv[1].split(","), [int(s) for s in sys.argv[2].split(",")]
rows = {}
for dt in (torch.float32, torch.float64):
    for n in sizes:
        x = torch.rand(n, dtype=dt) + 0.5
        for op in ops:
            f = getattr(torch, op)
            f(x)
            number = max(20, 200000 // max(n, 1000))
            best = min(timeit.repeat(lambda: f(x), number=number, repeat=5)) / number
            rows[f"{op} {str(dt)[6:]} {n}"] = best * 1e6
print(json.dumps({"mkl": exact_math.available(), "rows": rows}))
"""


def measure(ops: str, sizes: str, exact: bool) -> dict:
    env = dict(os.environ, GRADSH_EXACT="1" if exact else "0", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD, ops, sizes], env=env, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", default="tanh,exp,sqrt,sin")
    parser.add_argument("--sizes", default="1,16,256,4096,100000")
    args = parser.parse_args()
    mkl, numpy = measure(args.ops, args.sizes, True), measure(args.ops, args.sizes, False)
    if not mkl["mkl"]:
        print("MKL is not available (pip install -e '.[exact]'): both columns are the numpy path")
    print(f"{'op dtype numel':28s} {'numpy us':>10s} {'mkl us':>10s} {'ratio':>7s}")
    for key, t_np in numpy["rows"].items():
        t_mkl = mkl["rows"][key]
        print(f"{key:28s} {t_np:10.2f} {t_mkl:10.2f} {t_mkl / t_np:7.2f}")


if __name__ == "__main__":
    main()
