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
_ACCUMULATE_MAX = 4096  # elements: below it one accumulate call beats a Python loop of row adds


def _sequential(rows: np.ndarray) -> np.ndarray:
    """+0 then each row added in order (rows: (m, W) -> (W,)), up to the sign of a zero result.

    Small blocks go through np.add.accumulate (one call; it is sequential by definition), large ones
    one whole-row float32 add a row (accumulate over a strided axis is 10x slower there). Starting from
    row 0 instead of +0 can only turn a +0.0 into -0.0: a chain of float32 additions has the same value
    whatever the signs of its zeros, only a zero result's sign differs, so sum_all fixes that once, last.
    """
    m = rows.shape[0]
    if m < 2:
        return rows[0] if m else np.zeros(rows.shape[1:], _f32)
    inner = [abs(st) for st, n in zip(rows.strides[1:], rows.shape[1:]) if n > 1]
    if inner and abs(rows.strides[0]) > min(inner):
        # numpy reduces an axis that is not its innermost loop one row at a time, in order (pairwise summation
        # runs only along the innermost, contiguous axis): the same additions in one call, 3x faster than
        # the row loop on a bias gradient. The guard keeps out the shapes where this axis could be innermost
        # (it must not have the smallest stride, and some other axis longer than 1 must have a smaller one).
        return np.add.reduce(rows, axis=0)
    if rows.size <= _ACCUMULATE_MAX:
        return np.add.accumulate(rows, axis=0)[-1]
    acc = rows[0] + rows[1]
    for i in range(2, m):
        np.add(acc, rows[i], out=acc)
    return acc


def _chunk_sums(rows: np.ndarray, s: int) -> np.ndarray:
    """Sequential sums of consecutive groups of s rows: (k*s, W) -> (k, W) (k >= 1)."""
    k = rows.shape[0] // s
    return _sequential(rows[: k * s].reshape(k, s, rows.shape[1]).swapaxes(0, 1))


def cascade(rows: np.ndarray) -> np.ndarray:
    """CASCADE of n lane-vector rows (n, W) -> (W,)."""
    n = rows.shape[0]
    ceillog2 = 1 if n <= 2 else (n - 1).bit_length()
    s = 1 << max(4, ceillog2 // 4)
    chunks = n // s
    if chunks == 0:  # no full chunk: the rows are all tail
        return _sequential(rows)
    tail = _sequential(rows[chunks * s:])
    c = _chunk_sums(rows, s)
    g1n = chunks // s
    out = tail + _sequential(c[g1n * s:])
    if g1n:  # (otherwise a2 and a3 are +0, and adding +0 changes no value)
        g1 = _chunk_sums(c, s)
        g2n = g1n // s
        out = out + _sequential(g1[g2n * s:])
        if g2n:
            out = out + _sequential(_chunk_sums(g1, s))
    return out


def rowsum(rows: np.ndarray) -> np.ndarray:
    """ROWSUM: four interleaved accumulators over a cascade, then the leftover rows (n, W) -> (W,)."""
    n, width = rows.shape
    q = n // 4
    if not q:
        return _sequential(rows)  # (the four accumulators are +0: P0 takes the rows, P1..P3 add nothing)
    parts = cascade(rows[: 4 * q].reshape(q, 4 * width)).reshape(4, width)
    # P0, then the leftover rows, then P1, P2, P3: one float32 addition after another, in one call
    chain = np.concatenate([parts[:1], rows[4 * q:], parts[1:]]) if n > 4 * q else parts
    return np.add.accumulate(chain, axis=0)[-1]


def _contiguous_sum(x: np.ndarray) -> np.float32:
    """One float32 row summed as PyTorch's inner kernel does (8-lane vectors, then the scalar tail)."""
    n = x.shape[0]
    if n < 8:
        return rowsum(x.reshape(n, 1))[0]
    nv = n // 8
    lanes = rowsum(x[: 8 * nv].reshape(nv, 8))
    # the scalar tail, then the 8 lanes in lane order, one float32 addition at a time
    return np.add.accumulate(np.concatenate([x[8 * nv:], lanes]))[-1]


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
