"""PyTorch's float64 summation order for whole-tensor sums and means.

PyTorch's CPU sum kernel is one template for float and double (../shared/spec/reductions.md §2): the
same cascade, four interleaved accumulators and thread split, with vectors of `Vectorized<double>`'s
width, 4 lanes (the sum kernel runs its AVX2 build on every x86-64 CPU, spec §0), where float has 8.
`mean` is that sum divided once by the element count. numpy's pairwise sum differs from it in the last
bit, which a float64 optimizer (L-BFGS's line search) amplifies; the lane arithmetic of accumulate.py
serves both widths.
"""

from __future__ import annotations

import numpy as np

from .accumulate import GRAIN, THREADS, in_memory_order, rowsum

LANES = 4  # Vectorized<double>::size() in the AVX2 build
_f64 = np.float64


def _contiguous_sum(x: np.ndarray) -> np.float64:
    """One float64 row summed as PyTorch's inner kernel does (4-lane vectors, then the scalar tail)."""
    n = x.shape[0]
    if n < LANES:
        return rowsum(x.reshape(n, 1))[0]
    nv = n // LANES
    lanes = rowsum(x[: LANES * nv].reshape(nv, LANES))
    # +0, then the scalar tail, then the lanes in lane order, one addition at a time
    return np.add.accumulate(np.concatenate([np.zeros(1, _f64), x[LANES * nv:], lanes]))[-1]


def sum_all(data: np.ndarray, threads: int = THREADS) -> np.float64:
    """PyTorch's float64 sum of every element, read in memory order (contiguous or permuted input)."""
    flat = np.ravel(data, order="K")
    n = flat.shape[0]
    if n <= GRAIN or threads == 1:
        return _f64(_f64(0) + _contiguous_sum(flat))
    k = min(threads, -(-n // GRAIN))
    chunk = -(-n // k)
    partials = np.zeros(threads, _f64)
    for t in range(k):
        partials[t] = _contiguous_sum(flat[t * chunk: min(n, (t + 1) * chunk)])
    return _f64(_f64(0) + _contiguous_sum(partials))


def exact_sum64(data: np.ndarray) -> np.float64 | None:
    """PyTorch's bits for a float64 whole-tensor sum, or None where the order is not modelled here."""
    if data.dtype != np.float64 or not in_memory_order(data):
        return None
    return sum_all(data)
