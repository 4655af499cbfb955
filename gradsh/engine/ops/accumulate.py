"""PyTorch's float32 summation order (../shared/spec/reductions.md §2), for whole-tensor sums.

PyTorch's CPU sum adds float32 values in a fixed order: 8-lane vectors, four interleaved accumulators
(ROWSUM), and a cascade of chunk sums (CASCADE); inputs of 32768 elements and more are split between
threads and the partial sums added in thread order. A transcript printing `loss.item()` shows that
order in its last digit, so the full float32 reduction of a tensor read in memory order is
reproduced here bit for bit, with numpy doing the lane arithmetic (a few vector adds per chunk).
"""

from __future__ import annotations

import numpy as np

GRAIN = 32768  # at::internal::GRAIN_SIZE: below it one thread sums everything
THREADS = 2  # torch.get_num_threads() of the reference machine (2 cores)
_f32 = np.float32
_ZERO = _f32(0)
_reduce = np.add.reduce
_accumulate = np.add.accumulate
_concatenate = np.concatenate


def _rows(rows: np.ndarray) -> np.ndarray | None:
    """The rows of a 2-D block (m, W) added one after another, or None (+0) when m is 0, up to the sign of a
    zero result.

    Each row must be a run with a smaller stride than the rows' (a lane vector, as every caller here makes).
    For W >= 2, np.add.reduce over axis 0 is that sequential sum: numpy's iterator keeps the smallest-stride
    axis innermost, so each output element gets one float32 addition per row, in row order (its pairwise
    summation runs only when the reduced axis is the innermost loop). With W == 1 the reduced axis would be
    innermost, so np.add.accumulate (sequential by definition) does it. Starting from row 0 instead of +0
    can only turn a +0.0 into -0.0: a chain of float32 additions has the same value whatever the signs of
    its zeros, only a zero result's sign differs, so sum_all fixes that once, last.
    """
    m, w = rows.shape
    if m < 2:
        return rows[0] if m else None
    if w > 1:
        return _reduce(rows, 0)
    return _accumulate(rows, 0)[-1]


def _chunk_sums(rows: np.ndarray, k: int, s: int) -> np.ndarray:
    """Sequential sums of the first k groups of s rows: (>= k*s, W) -> (k, W), for W >= 2 (as _rows)."""
    return _reduce(rows[: k * s].reshape(k, s, rows.shape[1]), 1)


def _plus(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    """a (+) b where None is +0 (adding +0 changes no value, only the sign of a zero, fixed at the end)."""
    if a is None:
        return b
    return a if b is None else a + b


def cascade(rows: np.ndarray) -> np.ndarray:
    """CASCADE of n >= 1 lane-vector rows (n, W) -> (W,), W >= 2 (spec §2.1: ((t + a1) + a2) + a3)."""
    n = rows.shape[0]
    if n < 16:  # no full chunk (the chunk size is at least 16): the rows are all tail
        return _rows(rows)
    s = 16 if n <= 1 << 19 else 1 << ((n - 1).bit_length() // 4)  # 2**max(4, ceil(log2 n) div 4)
    chunks = n // s
    tail = _rows(rows[chunks * s:]) if n > chunks * s else None
    if chunks < s:  # one level: a1 is the sum of the chunk sums (t + a1 = a1 + t: one rounded addition)
        a1 = _reduce(rows[:s], 0) if chunks == 1 else _rows(_chunk_sums(rows, chunks, s))
        return a1 if tail is None else a1 + tail
    c = _chunk_sums(rows, chunks, s)
    g1n = chunks // s
    out = _plus(tail, _rows(c[g1n * s:]))
    g1 = _chunk_sums(c, g1n, s)
    g2n = g1n // s
    out = _plus(out, _rows(g1[g2n * s:]))
    if g2n:
        out = _plus(out, _rows(_chunk_sums(g1, g2n, s)))
    return out


def rowsum(rows: np.ndarray) -> np.ndarray:
    """ROWSUM: four interleaved accumulators over a cascade, then the leftover rows (n, W) -> (W,)."""
    n, width = rows.shape
    q = n >> 2
    if not q:  # (the four accumulators are +0: P0 takes the rows, P1..P3 add nothing)
        out = _rows(rows)
        return np.zeros(width, rows.dtype) if out is None else out
    parts = cascade(rows[: 4 * q].reshape(q, 4 * width)).reshape(4, width)
    # P0, then the leftover rows, then P1, P2, P3: one float32 addition after another, in one call
    return _rows(_concatenate((parts[:1], rows[4 * q:], parts[1:])) if n > 4 * q else parts)


def _contiguous_sum(x: np.ndarray) -> np.float32:
    """One float32 row summed as PyTorch's inner kernel does (8-lane vectors, then the scalar tail)."""
    n = x.shape[0]
    if n < 8:
        return rowsum(x.reshape(n, 1))[0]
    nv = n >> 3
    lanes = rowsum(x[: 8 * nv].reshape(nv, 8))
    # the scalar tail, then the 8 lanes in lane order, one float32 addition at a time
    return _accumulate(_concatenate((x[8 * nv:], lanes)) if n > 8 * nv else lanes)[-1]


def sum_all(data: np.ndarray, threads: int = THREADS) -> np.float32:
    """PyTorch's float32 sum of every element, read in memory order (contiguous or permuted input)."""
    flat = data.reshape(-1) if data.flags.c_contiguous else np.ravel(data, order="K")
    if flat.dtype != _f32:
        flat = flat.astype(_f32)
    n = flat.shape[0]
    if n <= GRAIN or threads == 1:
        return _contiguous_sum(flat) + _ZERO
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
    if data.dtype != _f32 or not (data.flags.c_contiguous or in_memory_order(data)):
        return None
    return sum_all(data)
