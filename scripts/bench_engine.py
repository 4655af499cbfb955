#!/usr/bin/env python3
"""Benchmark gradsh's engine against real PyTorch, side by side in one run (workloads a-f, training, randn, printing).

usage: python scripts/bench_engine.py [--pairs N] [--quick] [--only abcdef]

(a) a chain of 1,000 small ops, (b) an MLP step (relu, tanh), (c) matmul 1024^2 with numpy alone as its
floor, (d) memory, (e) the chain on 10^5 elements, (f) the chain grown to 10^6 ops (its per-op cost against
(a)'s, when both run: flat means the cost does not grow with the graph).

Each workload runs on gradsh.torch and on torch alternately (A B A B ...), one thread each,
and the report gives the median of the per-pair ratios gradsh / torch of CPU time (lower is
better) with their spread. Without torch installed it prints gradsh's own figures only.
Memory (d) is measured as peak resident memory above the level before the forward, each
sample in a fresh subprocess. Run it with a Python that has both (e.g. a venv with
`pip install -e . torch==2.13.0`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# one thread for both libraries (a second thread cost torch ~40% here and gave numpy nothing)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def load_backends() -> dict:
    from gradsh import torch as gt

    backends = {"gradsh": gt}
    try:
        import torch as real

        real.set_num_threads(1)
        backends["torch"] = real
    except ImportError:
        pass
    return backends


# ----- workloads: each returns a callable that runs once, built with the same inputs on both -----

F_OPS = 999_999  # (f): the (a) chain grown to 10^6 ops (a multiple of its 3 ops)

def tiny_ops(T, mode: str, n_ops: int = 1000, size: int = 4):
    """A chain of add / mul-by-scalar / tanh on `size`-element float32 tensors, summed at the end."""
    T.manual_seed(0)
    base = T.randn(size)
    w = T.tensor([0.5, -0.25, 0.75, 1.0]) if size == 4 else T.rand(size) - 0.5

    def chain(x):
        for i in range(n_ops // 3):
            x = x + w
            x = x * 0.5
            x = x.tanh()
        return x.sum()

    def run() -> None:
        x = base.clone().requires_grad_(mode != "no_grad")
        if mode == "no_grad":
            with T.no_grad():
                chain(x)
        elif mode == "forward":
            chain(x)
        else:
            chain(x).backward()

    return run


def mlp_step(T, activation: str = "relu"):
    T.manual_seed(0)
    w1 = (T.randn(256, 256) * 0.05).requires_grad_()
    b1 = T.zeros(256, requires_grad=True)
    w2 = (T.randn(256, 10) * 0.05).requires_grad_()
    b2 = T.zeros(10, requires_grad=True)
    x, y = T.randn(64, 256), T.randn(64, 10)
    params = [w1, b1, w2, b2]

    def run() -> None:
        h = getattr(x @ w1 + b1, activation)()
        loss = ((h @ w2 + b2 - y) ** 2).mean()
        loss.backward()
        with T.no_grad():
            for p in params:
                p -= 0.01 * p.grad
        for p in params:
            p.grad = None

    return run


def matmul(T, backward: bool):
    T.manual_seed(0)
    a = T.randn(1024, 1024, requires_grad=backward)
    b = T.randn(1024, 1024, requires_grad=backward)

    def run() -> None:
        out = a @ b
        if backward:
            out.sum().backward()
            a.grad = None
            b.grad = None

    return run


def matmul_numpy(T):
    """(c)'s floor: numpy alone doing matmul 1024^2 forward + backward (a @ b, then g @ b.T and a.T @ g).

    On the gradsh side it runs bare numpy; on the torch side torch's own matmul forward + backward, so the
    ratio says how far numpy alone is from PyTorch (gradsh's (c) should be within 5% of it)."""
    if "gradsh" not in T.__name__:
        return matmul(T, True)
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((1024, 1024), dtype=np.float32)
    b = rng.standard_normal((1024, 1024), dtype=np.float32)

    def run() -> None:
        out = a @ b
        g = np.ones_like(out)
        g @ b.T
        a.T @ g

    return run


def training(T, optimizer: str):
    """A small MLP (16-32-1) trained for 100 steps with nn, a loss and an optimizer."""
    T.manual_seed(0)
    x, y = T.randn(64, 16), T.randn(64, 1)

    def run() -> None:
        T.manual_seed(1)
        model = T.nn.Sequential(T.nn.Linear(16, 32), T.nn.ReLU(), T.nn.Linear(32, 1))
        opt = (T.optim.SGD(model.parameters(), lr=0.01, momentum=0.9) if optimizer == "sgd"
               else T.optim.Adam(model.parameters(), lr=1e-3))
        loss_fn = T.nn.MSELoss()
        for _ in range(100):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()

    return run


def randn_big(T):
    def run() -> None:
        T.manual_seed(0)
        T.randn(1000, 1000)

    return run


def print_big(T):
    T.manual_seed(0)
    t = T.randn(1000, 1000)

    def run() -> None:
        repr(t)

    return run


WORKLOADS = {
    # name: (make(T) -> run, ops per run (figures are per op), reps per sample)
    "a. tiny ops, forward with grad (per op)": (lambda T: tiny_ops(T, "forward"), 1000, 10),
    "a. tiny ops, forward + backward (per op)": (lambda T: tiny_ops(T, "backward"), 1000, 10),
    "a. tiny ops, forward under no_grad (per op)": (lambda T: tiny_ops(T, "no_grad"), 1000, 10),
    "b. MLP training step 256-256-10, batch 64": (mlp_step, 1, 10),
    "b. MLP training step 256-256-10, batch 64, tanh": (lambda T: mlp_step(T, "tanh"), 1, 10),
    "c. matmul 1024^2 forward": (lambda T: matmul(T, False), 1, 3),
    "c. matmul 1024^2 forward + backward": (lambda T: matmul(T, True), 1, 3),
    "c. numpy alone: matmul 1024^2 forward + backward": (matmul_numpy, 1, 3),
    "e. 30 ops on 10^5 elements, under no_grad (per op)": (lambda T: tiny_ops(T, "no_grad", 30, 10**5), 30, 5),
    "e. 30 ops on 10^5 elements, forward + backward (per op)": (lambda T: tiny_ops(T, "backward", 30, 10**5), 30, 5),
    "f. tiny ops, forward with grad, 10^6 ops (per op)": (lambda T: tiny_ops(T, "forward", F_OPS), F_OPS, 1),
    "t. training: MLP 16-32-1, 100 steps, SGD (momentum)": (lambda T: training(T, "sgd"), 1, 3),
    "t. training: MLP 16-32-1, 100 steps, Adam": (lambda T: training(T, "adam"), 1, 3),
    "r. randn(1000, 1000) float32 after manual_seed": (randn_big, 1, 10),
    "p. repr of a 1000x1000 float32 tensor (summarised)": (print_big, 1, 10),
}
F_FIRST = "a. tiny ops, forward with grad (per op)"  # (f) compares its per-op cost with this one's (10^3 ops)


def cpu_time(fn, reps: int) -> tuple:
    fn()  # warm-up
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(reps):
        fn()
    return (time.process_time() - c0) / reps, (time.perf_counter() - w0) / reps


def measure(backends: dict, pairs: int, only: str) -> list:
    rows = []
    for name, (make, per, reps) in WORKLOADS.items():
        if name[0] not in only:
            continue
        runs = {k: make(T) for k, T in backends.items()}
        samples: dict = {k: [] for k in backends}
        walls: dict = {k: [] for k in backends}
        for _ in range(min(pairs, 3) if name[0] == "f" else pairs):  # (f) takes seconds a run
            for k in backends:  # interleaved: gradsh, torch, gradsh, torch ...
                c, w = cpu_time(runs[k], reps)
                samples[k].append(c / per)
                walls[k].append(w / per)
        row = {"workload": name, "gradsh_s": statistics.median(samples["gradsh"]),
               "gradsh_wall_s": statistics.median(walls["gradsh"])}
        if "torch" in backends:
            ratios = sorted(g / t for g, t in zip(samples["gradsh"], samples["torch"]))
            row.update(torch_s=statistics.median(samples["torch"]), ratio=statistics.median(ratios),
                       ratio_lo=ratios[0], ratio_hi=ratios[-1])
        rows.append(row)
    return rows


# ----- d. memory, each sample in a fresh subprocess ------------------------------------------------

_MEMORY_CHILD = r"""
import os, sys, json
sys.path.insert(0, {root!r})
backend, grad = sys.argv[1], sys.argv[2] == "1"
if backend == "gradsh":
    from gradsh import torch as T
else:
    import torch as T
    T.set_num_threads(1)
def rss_peak():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) * 1024
def rss_now():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) * 1024
T.manual_seed(0)
ws = [(T.randn(512, 512) * 0.04).requires_grad_() for _ in range(50)]
x = T.randn(512, 512)
# reset the high-water mark so the peak counts only the forward
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = rss_now()
def forward():
    h = x
    for w in ws:
        h = (h @ w).tanh()
    return h
if grad:
    out = forward()
else:
    with T.no_grad():
        out = forward()
print(json.dumps(rss_peak() - before))
"""


def memory(backends: dict, samples: int) -> list:
    rows = []
    for grad in (True, False):
        peaks: dict = {k: [] for k in backends}
        for _ in range(samples):
            for k in backends:
                out = subprocess.run([sys.executable, "-c", _MEMORY_CHILD.format(root=ROOT), k, "1" if grad else "0"],
                                     capture_output=True, text=True, check=True)
                peaks[k].append(json.loads(out.stdout))
        row = {"workload": f"d. 50 x tanh(x @ W) 512^2, peak MiB {'with grad' if grad else 'under no_grad'}",
               "gradsh_mib": statistics.median(peaks["gradsh"]) / 2**20}
        if "torch" in backends:
            row["torch_mib"] = statistics.median(peaks["torch"]) / 2**20
            row["ratio"] = row["gradsh_mib"] / max(row["torch_mib"], 1e-9)
        rows.append(row)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=7, help="interleaved gradsh/torch pairs per workload")
    ap.add_argument("--quick", action="store_true", help="3 pairs, 2 memory samples")
    ap.add_argument("--only", default="abcdeftrp",
                    help="which workloads: a-f engine (issue 17's), t training, r randn, p printing")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args()
    pairs = 3 if args.quick else args.pairs
    backends = load_backends()
    rows = measure(backends, pairs, args.only)
    if "d" in args.only:
        rows += memory(backends, 2 if args.quick else 3)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"backends: {', '.join(backends)}; {pairs} interleaved pairs; CPU time, 1 thread")
    for r in rows:
        if "gradsh_mib" in r:
            line = f"{r['workload']:<58} gradsh {r['gradsh_mib']:8.1f} MiB"
            if "torch_mib" in r:
                line += f"   torch {r['torch_mib']:8.1f} MiB   ratio {r['ratio']:.2f}x"
        else:
            line = f"{r['workload']:<58} gradsh {r['gradsh_s'] * 1e6:10.2f} us"
            if "torch_s" in r:
                line += (f"   torch {r['torch_s'] * 1e6:10.2f} us   ratio {r['ratio']:.2f}x "
                         f"(spread {r['ratio_lo']:.2f}-{r['ratio_hi']:.2f})")
        print(line)
    by_name = {r["workload"]: r for r in rows}
    grown = next((r for r in rows if r["workload"].startswith("f.")), None)
    if grown is not None and F_FIRST in by_name:
        first = by_name[F_FIRST]
        line = f"{'f. forward cost per op, 10^6 ops / 10^3 ops':<58} gradsh {grown['gradsh_s'] / first['gradsh_s']:10.2f}x"
        if "torch_s" in grown:
            line += f"   torch {grown['torch_s'] / first['torch_s']:10.2f}x"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
