"""PyTorch's summation order where accumulate.py does not give it: float64 whole-tensor sums and means,
and sums over the leading dims (a bias's gradient) or the trailing dims (`sum(-1)`) of a contiguous tensor in
float32 and float64.

PyTorch's CPU sum kernel is one template for float and double (../shared/spec/reductions.md §2): the
same cascade, four interleaved accumulators and thread split, with vectors of `Vectorized<double>`'s
width, 4 lanes (the sum kernel runs its AVX2 build on every x86-64 CPU, spec §0), where float has 8.
`mean` is that sum divided once by the element count. numpy's pairwise sum differs from it in the last
bit, which a float64 optimizer (L-BFGS's line search) amplifies; the lane arithmetic of accumulate.py
serves both widths.
"""

from __future__ import annotations

import math

import numpy as np

from .accumulate import GRAIN, THREADS, cascade, exact_sum, in_memory_order, rowsum

LANES = 4  # Vectorized<double>::size() in the AVX2 build
_f64 = np.float64
_VECTOR = np.dtype((np.void, 32))  # one AVX2 vector: 8 floats or 4 doubles


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


def _sum_rows(rows: np.ndarray) -> np.ndarray:
    """The column sums of a C-contiguous (R, C) block whose rows are the reduced dim (spec §2.3, kept dim
    contiguous): with at least one vector of columns, groups of four vectors' columns as one cascade each and
    the rest per column (ROWSUM); with fewer, groups of 4 columns as one cascade each and the rest per column."""
    lanes = LANES if rows.dtype == _f64 else 8
    c = rows.shape[1]
    group = 4 * lanes if c >= lanes else 4
    full = c - c % group
    zero = rows.dtype.type(0)
    # each group is its own cascade in PyTorch, but a cascade's order down a column depends only on the
    # row count: one cascade over all the grouped columns adds every column in the same order, in a
    # few numpy calls instead of a few per group (a bias gradient of 256 columns: 24 us, not 88)
    if full == c:
        return cascade(rows) + zero  # added into the +0 output: -0 sums become +0
    if not full:
        return rowsum(rows) + zero
    return np.concatenate((cascade(rows[:, :full]), rowsum(rows[:, full:]))) + zero


def exact_sum_leading(data: np.ndarray, dims: tuple) -> np.ndarray | None:
    """PyTorch's bits for `data.sum(dims)` when dims are the leading dims of a C-contiguous float32/float64
    array (the kept dims' values, flat), or None where this order is not modelled."""
    if data.dtype not in (np.float32, np.float64) or not data.flags.c_contiguous or not dims:
        return None
    k = len(dims)
    if dims != tuple(range(k)) or k >= data.ndim or data.size == 0:
        return None
    r = math.prod(data.shape[:k])
    c = data.size // r
    rows = data.reshape(r, c)
    if r == 1:
        return rows[0] + data.dtype.type(0)  # not a reduction: each value added to the +0 output
    if c == 1:  # the kept dims have one element: a full sum of a contiguous run
        total = exact_sum(data) if data.dtype == np.float32 else exact_sum64(data)
        return np.asarray([total], data.dtype)
    # above 32768 elements threads split the kept dim at multiples of a vector group: no output's order changes
    return _sum_rows(rows)


def sum_along_rows(rows: np.ndarray) -> np.ndarray:
    """Each row of a C-contiguous (R, L) block summed as PyTorch sums a contiguous reduced dim (spec §2.3): with
    at least one vector, path 1 (ROWSUM of the row's vectors, then its scalar tail, then the lanes in order),
    else path 3 (ROWSUM of its scalars). The R rows are independent lanes of one computation here."""
    r, length = rows.shape
    lanes = LANES if rows.dtype == _f64 else 8
    if length < lanes:  # path 3: the row's elements are the ROWSUM's rows, one lane a row
        return rowsum(np.ascontiguousarray(rows.T))
    nv = length // lanes
    # vector v of every row side by side: (nv, R * lanes), lane l of row i at column i * lanes + l; the
    # transposition moves whole 32-byte vectors (twice as fast as numpy's copy of 8-element runs)
    head = rows[:, : nv * lanes] if length == nv * lanes else np.ascontiguousarray(rows[:, : nv * lanes])
    vectors = np.ascontiguousarray(head.view(_VECTOR).T).view(rows.dtype).reshape(nv, r * lanes)
    lane_sums = rowsum(vectors).reshape(r, lanes)
    # per row, one addition after another: the scalar tail, then the lanes in lane order
    chain = np.concatenate((rows[:, nv * lanes:], lane_sums), axis=1) if length > nv * lanes else lane_sums
    return np.add.accumulate(chain, axis=1)[:, -1]


def exact_sum_trailing(data: np.ndarray, dims: tuple) -> np.ndarray | None:
    """PyTorch's bits for `data.sum(dims)` when dims are the trailing dims of a C-contiguous float32/float64
    array and some dim is kept (the kept dims' values, flat), or None where this order is not modelled.

    The reduced dims coalesce into one contiguous dim that TensorIterator walks first (spec §2.4); above 32768
    elements threads split the kept dims, which changes no output's order."""
    if data.dtype not in (np.float32, np.float64) or not data.flags.c_contiguous or not dims:
        return None
    k = len(dims)
    ndim = data.ndim
    if k >= ndim or dims != tuple(range(ndim - k, ndim)) or data.size == 0:
        return None
    length = math.prod(data.shape[ndim - k:])
    rows = data.reshape(-1, length)
    if length == 1:
        return rows[:, 0] + data.dtype.type(0)  # not a reduction: each value added to the +0 output
    return sum_along_rows(rows) + data.dtype.type(0)
