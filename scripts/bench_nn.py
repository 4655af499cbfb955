#!/usr/bin/env python3
"""One training step of a small CNN and of a small LSTM, gradsh.torch against real PyTorch in one run.

usage: python scripts/bench_nn.py [--pairs N]

The models are scripts/train_cnn_lstm.md's (a batch of 32 8x8 images through Conv2d, BatchNorm2d,
MaxPool2d, Conv2d, Linear; an LSTM(4, 8) over 8 sequences of 6 steps and a Linear head), one SGD step
each: zero_grad, forward, loss, backward, step. The libraries run alternately (A B A B ...), one
thread each; the report gives each side's median milliseconds per step and the median of the per-pair
ratios gradsh / torch. Without torch installed it prints gradsh's figures only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cnn_step(T: Any) -> Callable[[], None]:  # T: gradsh.torch or torch
    nn = T.nn
    T.manual_seed(0)
    images, labels = T.randn(32, 1, 8, 8), T.randint(0, 3, (32,))
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(4, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(32, 3))
    opt = T.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)

    def step() -> None:
        opt.zero_grad()
        nn.functional.cross_entropy(model(images), labels).backward()
        opt.step()

    return step


def lstm_step(T: Any) -> Callable[[], None]:
    nn = T.nn
    T.manual_seed(1)
    seqs = T.randn(8, 6, 4)
    targets = seqs.sum(dim=(1, 2)).unsqueeze(1) / 6
    lstm, head = nn.LSTM(4, 8, batch_first=True), nn.Linear(8, 1)
    opt = T.optim.SGD(list(lstm.parameters()) + list(head.parameters()), lr=0.05)

    def step() -> None:
        opt.zero_grad()
        out, _ = lstm(seqs)
        nn.functional.mse_loss(head(out[:, -1]), targets).backward()
        opt.step()

    return step


def timed(step: Callable[[], None], reps: int) -> float:
    start = time.process_time()
    for _ in range(reps):
        step()
    return (time.process_time() - start) / reps * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()
    from gradsh import torch as gt

    backends = {"gradsh": gt}
    try:
        import torch

        torch.set_num_threads(1)
        backends["torch"] = torch
    except ImportError:
        pass
    for name, make in (("CNN step", cnn_step), ("LSTM step", lstm_step)):
        steps = {k: make(T) for k, T in backends.items()}
        for s in steps.values():
            s()  # warm-up
        times: dict[str, list[float]] = {k: [] for k in steps}
        for _ in range(args.pairs):
            for k, s in steps.items():
                times[k].append(timed(s, args.reps))
        line = f"{name:10s}" + "".join(f"  {k} {statistics.median(v):7.2f} ms" for k, v in times.items())
        if "torch" in times:
            ratios = [a / b for a, b in zip(times["gradsh"], times["torch"])]
            line += f"  gradsh/torch x{statistics.median(ratios):.1f}"
        print(line)


if __name__ == "__main__":
    main()
