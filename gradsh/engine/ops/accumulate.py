"""PyTorch's float32 summation order (../shared/spec/reductions.md §2), for whole-tensor sums.

PyTorch's CPU sum adds float32 values in a fixed order: 8-lane vectors, four interleaved accumulators
(ROWSUM), and a cascade of chunk sums (CASCADE); inputs of 32768 elements and more are split between
threads and the partial sums added in thread order. A transcript printing `loss.item()` shows that
order in its last digit, so the full float32 reduction of a tensor read in memory order is
reproduced here bit for bit, with numpy doing the lane arithmetic (a few vector adds per chunk).
"""

from __future__ import annotations

import math

import numpy as np

GRAIN = 32768  # at::internal::GRAIN_SIZE: below it one thread sums everything
THREADS = 2  # torch.get_num_threads() of the reference machine (2 cores)
_f32 = np.float32


def _sequential(rows: np.ndarray) -> np.ndarray:
    """+0 then each row added in order (rows: (m, W) -> (W,)).

    numpy's accumulate is strictly sequential (its add.reduce is pairwise along a contiguous axis);
    the final `+ 0` turns the -0.0 of an all -0.0 column into the +0.0 that starting from +0 gives.
    """
    if rows.shape[0] == 0:
        return np.zeros(rows.shape[1:], _f32)
    return np.add.accumulate(rows, axis=0)[-1] + _f32(0)


def _chunk_sums(rows: np.ndarray, s: int) -> np.ndarray:
    """Sequential sums of consecutive groups of s rows: (k*s, W) -> (k, W)."""
    k = rows.shape[0] // s
    if k == 0:
        return np.zeros((0, rows.shape[1]), _f32)
    grouped = rows[: k * s].reshape(k, s, rows.shape[1])
    return np.add.accumulate(grouped, axis=1)[:, -1] + _f32(0)


def cascade(rows: np.ndarray) -> np.ndarray:
    """CASCADE of n lane-vector rows (n, W) -> (W,)."""
    n = rows.shape[0]
    ceillog2 = 1 if n <= 2 else math.ceil(math.log2(n))
    s = 2 ** max(4, ceillog2 // 4)
    chunks = n // s
    if chunks == 0:  # no full chunk: the rows are all tail
        return _sequential(rows)
    c = _chunk_sums(rows, s)
    g1 = _chunk_sums(c, s)
    a1 = _sequential(c[g1.shape[0] * s:])
    g2 = _chunk_sums(g1, s)
    a2 = _sequential(g1[g2.shape[0] * s:])
    a3 = _sequential(g2)
    tail = _sequential(rows[chunks * s:])
    return ((tail + a1) + a2) + a3


def rowsum(rows: np.ndarray) -> np.ndarray:
    """ROWSUM: four interleaved accumulators over a cascade, then the leftover rows (n, W) -> (W,)."""
    n, width = rows.shape
    q = n // 4
    if q:
        parts = cascade(rows[: 4 * q].reshape(q, 4 * width)).reshape(4, width)
    else:
        parts = np.zeros((4, width), _f32)
    first = parts[0]
    if n > 4 * q:
        first = np.add.accumulate(np.concatenate([first[None], rows[4 * q:]]), axis=0)[-1]
    return ((first + parts[1]) + parts[2]) + parts[3]


def _contiguous_sum(x: np.ndarray) -> np.float32:
    """One float32 row summed as PyTorch's inner kernel does (8-lane vectors, then the scalar tail)."""
    n = x.shape[0]
    if n < 8:
        return rowsum(x.reshape(n, 1))[0]
    nv = n // 8
    lanes = rowsum(x[: 8 * nv].reshape(nv, 8))
    # +0, then the scalar tail, then the 8 lanes in lane order, one float32 addition at a time
    return np.add.accumulate(np.concatenate([np.zeros(1, _f32), x[8 * nv:], lanes]))[-1]


def sum_all(data: np.ndarray, threads: int = THREADS) -> np.float32:
    """PyTorch's float32 sum of every element, read in memory order (contiguous or permuted input)."""
    flat = np.ravel(data, order="K").astype(_f32, copy=False)
    n = flat.shape[0]
    if n <= GRAIN or threads == 1:
        return _f32(_f32(0) + _contiguous_sum(flat))
    k = min(threads, -(-n // GRAIN))
    chunk = -(-n // k)
    partials = np.zeros(threads, _f32)
    for t in range(k):
        partials[t] = _contiguous_sum(flat[t * chunk: min(n, (t + 1) * chunk)])
    return _f32(_f32(0) + _contiguous_sum(partials))


def in_memory_order(data: np.ndarray) -> bool:
    """Whether the array is a permutation of a dense block, so reading it in memory order is PyTorch's order."""
    expect = data.itemsize
    for stride, size in sorted((abs(s), n) for s, n in zip(data.strides, data.shape) if n > 1):
        if stride != expect:
            return False
        expect *= size
    return True


def exact_sum(data: np.ndarray) -> np.float32 | None:
    """PyTorch's bits for a float32 whole-tensor sum, or None where the order is not modelled here."""
    if data.dtype != np.float32 or not in_memory_order(data):
        return None
    return sum_all(data)
