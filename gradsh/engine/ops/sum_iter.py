"""PyTorch's float32/float64 `sum(dims)` order for any reduced dims of a dense (possibly permuted) array: the
middle dims (`x.sum(1)` of a 3-d tensor), non-adjacent dims, transposed inputs.

ATen's reduction walks a TensorIterator (../shared/spec/reductions.md §2.4): dims reordered fastest first with
reduced dims ahead of kept ones, neighbours coalesced, the first two dims one 2-D kernel call (§2.3: contiguous
inner / outer, scalar inner / outer) and the rest an outer loop whose partial sums are added into the output
one after another. This module replays that plan with the lane arithmetic of accumulate.py, every 2-D block of
the outer loop at once (a cascade's order down a column depends only on the row count).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .accumulate import GRAIN, cascade, in_memory_order, rowsum
from .sum_orders import sum_along_rows

_AFTER, _BEFORE, _AMBIGUOUS = 1, -1, 0


def _compare(a: tuple, b: tuple) -> int:
    """TensorIterator's reorder comparison of dims a (earlier) and b, each (size, in_stride, out_stride)."""
    a_red, b_red = a[2] == 0, b[2] == 0
    if a_red != b_red:  # the reduced dim goes first
        return _BEFORE if a_red else _AFTER
    for k in (2, 1):  # output operand, then input
        sa, sb = a[k], b[k]
        if sa == 0 or sb == 0:
            continue
        if sa != sb:
            return _BEFORE if sa < sb else _AFTER
        if a[0] > b[0]:
            return _AFTER
    return _AMBIGUOUS


def _plan(shape: tuple, strides: tuple, dims: tuple) -> list:
    """The iteration dims, fastest first, after reorder and coalesce: [(size, in_stride, out_stride), ...]."""
    ndim = len(shape)
    out_strides = [0] * ndim
    step = 1
    for d in reversed(range(ndim)):  # the keepdim-shaped output's contiguous strides, 0 on reduced dims
        if d not in dims:
            out_strides[d] = step
            step *= shape[d]
    order = [(shape[d], strides[d], out_strides[d]) for d in reversed(range(ndim))]
    for i in range(1, ndim):  # insertion sort as TensorIterator::reorder_dimensions
        moving = i
        for j in range(i - 1, -1, -1):
            verdict = _compare(order[j], order[moving])
            if verdict == _AFTER:
                order[j], order[moving] = order[moving], order[j]
                moving = j
            elif verdict == _BEFORE:
                break  # (ambiguous: the moving dim is compared with the next one down, not moved)
    merged = [order[0]]
    for dim in order[1:]:
        size0, in0, out0 = merged[-1]
        size1, in1, out1 = dim
        if size0 == 1:
            merged[-1] = (size1, in1, out1)
        elif size1 == 1:
            continue
        elif in0 * size0 == in1 and out0 * size0 == out1:
            merged[-1] = (size0 * size1, in0, out0)
        else:
            merged.append(dim)
    return merged


def _block_sums(block: np.ndarray, in0: int, in1: int) -> np.ndarray:
    """Every 2-D kernel call at once: block (B, C, R) holds B calls of C columns of R reduced elements (input
    strides in0 down a column, in1 across); the (B, C) column sums in PyTorch's order (spec §2.3)."""
    b, c, r = block.shape
    lanes = 4 if block.dtype == np.float64 else 8
    if in0 == 1 and r >= lanes:  # path 1, contiguous inner: each column is a row of vectors
        return sum_along_rows(np.ascontiguousarray(block).reshape(b * c, r)).reshape(b, c)
    rows = np.ascontiguousarray(block.transpose(2, 0, 1))  # (R, B, C): the reduced index first
    if in1 == 1 and c >= lanes:  # path 2, contiguous outer: 4-vector column groups as one cascade each
        group = 4 * lanes
    elif in0 < in1:  # path 3, scalar inner: ROWSUM per column
        return rowsum(rows.reshape(r, b * c)).reshape(b, c)
    else:  # path 4, scalar outer: groups of 4 columns as one cascade each
        group = 4
    full = c - c % group
    out = np.empty((b, c), block.dtype)
    if full:
        out[:, :full] = cascade(np.ascontiguousarray(rows[:, :, :full]).reshape(r, b * full)).reshape(b, full)
    if full < c:
        out[:, full:] = rowsum(np.ascontiguousarray(rows[:, :, full:]).reshape(r, -1)).reshape(b, c - full)
    return out


def exact_sum_dims(data: np.ndarray, dims: tuple) -> np.ndarray | None:
    """PyTorch's bits for float32/float64 `data.sum(dims)` (dims sorted, non-negative, some dim kept) of an array
    whose elements form a dense block in some dim order: the keepdim-shaped result, or None if not modelled."""
    if data.dtype not in (np.float32, np.float64) or not data.size or not dims or len(dims) >= data.ndim:
        return None
    if not in_memory_order(data) or any(s < 0 for s in data.strides):
        return None
    out_shape = tuple(1 if d in dims else n for d, n in enumerate(data.shape))
    out_size = int(np.prod(out_shape))
    if out_size == 1 and data.size >= GRAIN:  # one output over several threads: a two-pass sum, not this plan
        return None
    item = data.itemsize
    plan = _plan(data.shape, tuple(s // item for s in data.strides), dims)
    if len(plan) == 1:
        plan.append((1, 0, 0))  # a 1-D iteration is a block with one column
    (r, in0, out0), (c, in1, out1) = plan[0], plan[1]
    if out0 and not out1:  # dim 0 kept and dim 1 reduced: the kernel swaps them
        (r, in0, out0), (c, in1, out1) = (c, in1, out1), (r, in0, out0)
    if out0:  # not a reduction at all (reduced dims of size 1): left to the caller's plain path
        return None
    zero = data.dtype.type(0)
    result = np.empty(out_size, data.dtype)
    outer = plan[:1:-1]  # the outer loop's dims, slowest first
    shape = tuple(n for n, _, _ in outer) + (c, r)
    strides = tuple(s * item for _, s, _ in outer) + (in1 * item, in0 * item)
    block = as_strided(data, shape, strides, writeable=False)
    sums = _block_sums(block.reshape(-1, c, r), in0, in1).reshape(shape[:-1])
    # partial sums of reduced iteration dims go into their output one after another, in loop order
    kept = [i for i, (_, _, o) in enumerate(outer + [(c, in1, out1)]) if o]
    summed = [i for i in range(len(shape) - 1) if i not in kept]
    if summed:
        sums = sums.transpose(kept + summed).reshape([shape[i] for i in kept] + [-1])
        sums = np.add.accumulate(sums, axis=-1)[..., -1]
    sums = sums + zero  # the sums were added into the +0 output: -0 becomes +0
    out_view = as_strided(result, [shape[i] for i in kept],
                          [(outer + [(c, in1, out1)])[i][2] * item for i in kept])
    out_view[...] = sums
    return result.reshape(out_shape)
