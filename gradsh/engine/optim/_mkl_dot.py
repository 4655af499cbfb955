"""torch.dot on the CPU as PyTorch 2.13's x86 build computes it (MKL's ?dot on AVX-512): the summation order,
reproduced so that LBFGS, whose 20 inner iterations a step amplify any last-bit difference, follows PyTorch.

Measured against torch.dot on random vectors (the order is MKL's, not documented): float32 works in 16 lanes
with two accumulators taking alternate blocks of 16, the tail (n mod 16 elements) fused into the first
accumulator's low lanes, then the accumulators added and the lanes reduced 16 -> 8 -> 4 by halves, 4 -> 2 by
neighbours, 2 -> 1; float64 in 8 lanes with four accumulators, reduced by halves. Exact for n < 64 (float32)
and n < 24 (float64), which covers LBFGS on small models; longer vectors follow MKL closely, not always exactly.
"""

from __future__ import annotations

import numpy as np

from ._numerics import fused_multiply_add as _fma


def mkl_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The dot product of two 1-D arrays of one float dtype, as a 0-d array of that dtype."""
    dt = a.dtype
    lanes, n_acc = (16, 2) if dt == np.float32 else (8, 4)
    n = a.shape[0]
    accs: list[np.ndarray | None] = [None] * n_acc
    full = n // lanes
    for k in range(full):
        sl = slice(k * lanes, (k + 1) * lanes)
        acc = accs[k % n_acc]
        # an accumulator's first block is a plain product (a fused multiply-add onto zero rounds only that)
        accs[k % n_acc] = (a[sl] * b[sl]).astype(dt) if acc is None else _fma(a[sl], b[sl], acc)
    accs = [np.zeros(lanes, dt) if acc is None else acc for acc in accs]
    rest = n - full * lanes
    if rest:
        accs[0][:rest] = _fma(a[full * lanes:], b[full * lanes:], accs[0][:rest])
    v = accs[0]
    for acc in accs[1:]:
        v = (v + acc).astype(dt)
    while v.shape[0] > 4:
        half = v.shape[0] // 2
        v = (v[:half] + v[half:]).astype(dt)
    if dt == np.float32:
        v = (v[0::2] + v[1::2]).astype(dt)
    while v.shape[0] > 1:
        half = v.shape[0] // 2
        v = (v[:half] + v[half:]).astype(dt)
    return np.asarray(v[0], dtype=dt)
