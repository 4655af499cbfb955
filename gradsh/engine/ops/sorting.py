"""Sorting and searching: sort, argsort, msort, kthvalue, searchsorted, bucketize.

Orders are PyTorch's: NaN sorts above every number (first when descending). With stable=True equal
values keep their input order (a descending sort is the stable ascending sort of the reversed input,
read backwards); without it PyTorch's CPU sort is libstdc++'s std::sort, whose placement of equal
values ops/stdsort.py reproduces.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from ..registry import op
from ..tensor import Tensor
from ._core import to_tensor
from ._struct import long, wrap_dim
from .quickselect import quick_select_index
from .reduction import return_type
from .statistics import values_indices
from .stdsort import std_sort_order

_sort_type, _kth_type = return_type("sort"), return_type("kthvalue")


def sort_order(data: np.ndarray, d: int, descending: bool, stable: bool = True) -> np.ndarray:
    """The sort permutation along d (NaN largest): stable, or libstdc++'s std::sort's as PyTorch's
    non-stable CPU sort leaves equal values (see ops/stdsort.py)."""
    if not descending:
        order = np.argsort(data, axis=d, kind="stable")
    else:
        n = data.shape[d]
        flipped = np.flip(data, axis=d)
        order = np.flip(n - 1 - np.argsort(flipped, axis=d, kind="stable"), axis=d)
    if not stable:
        order = _std_sort_ties(data, order, d, descending)
    return order


_EMULATED = 200_000  # elements: above this, equal values keep the stable order (pure Python is slow)


def _less(descending: bool) -> Any:
    """PyTorch's KeyValueCompAsc / KeyValueCompDesc on keys (NaN above every number)."""
    isnan = math.isnan
    if descending:
        return lambda a, b: (isnan(a) and not isnan(b)) or a > b
    return lambda a, b: (not isnan(a) and isnan(b)) or a < b


def _std_sort_ties(data: np.ndarray, order: np.ndarray, d: int, descending: bool) -> np.ndarray:
    """Re-orders the slices that hold equal values as std::sort would (distinct values: any sort agrees)."""
    if data.size == 0 or data.size > _EMULATED or data.shape[d] < 2:
        return order
    values = np.take_along_axis(data, order, axis=d)
    same = values[(slice(None),) * d + (slice(1, None),)] == values[(slice(None),) * d + (slice(None, -1),)]
    if data.dtype.kind in "fc":
        nan = np.isnan(values)
        same |= nan[(slice(None),) * d + (slice(1, None),)] & nan[(slice(None),) * d + (slice(None, -1),)]
    if not same.any():
        return order
    moved = np.moveaxis(data, d, -1)
    out = np.moveaxis(order, d, -1).copy()
    rows, orders = moved.reshape(-1, moved.shape[-1]), out.reshape(-1, out.shape[-1])
    less = _less(descending)
    for r in range(rows.shape[0]):
        orders[r] = std_sort_order(rows[r].tolist(), less)
    return np.moveaxis(orders.reshape(out.shape), -1, d)


def _sort(x: Tensor, dim: int, descending: bool, node: str, stable: bool = False) -> Any:
    data = x._data if x._data.ndim else x._data.reshape(1)
    d = wrap_dim(dim, x._data.ndim)
    order = sort_order(data, d, descending, stable)
    values = np.take_along_axis(data, order, axis=d)
    return values_indices(x, values, order, d, True, node, _sort_type) if x._data.ndim else \
        values_indices(x, values, order, 0, False, node, _sort_type)


@op("sort", out=True)
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: Any = None) -> Any:
    # torch.sort(x, stable=...) is the `sort.stable` overload, whose node is SortBackward1
    return _sort(input, dim, descending, "SortBackward0" if stable is None else "SortBackward1", bool(stable))


@op("argsort", out=True)
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    data = input._data if input._data.ndim else input._data.reshape(1)
    order = sort_order(data, wrap_dim(dim, input._data.ndim), descending, stable)
    return long(order.reshape(input._data.shape))


@op("msort", out=True)
def msort(input: Tensor) -> Tensor:
    return _sort(input, 0, False, "SortBackward0")[0]


@op("kthvalue", out=True)
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    data = input._data if input._data.ndim else input._data.reshape(1)
    d = wrap_dim(dim, input._data.ndim)
    if not 1 <= k <= data.shape[d]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    order = sort_order(data, d, False)
    idx = np.take(order, [k - 1], axis=d)
    if data.size <= _EMULATED and len(np.unique(data)) < data.size:  # ties: ATen's quickselect picks
        moved = np.moveaxis(data, d, -1)
        rows = moved.reshape(-1, moved.shape[-1])
        picked = np.array([quick_select_index(row.tolist(), k - 1) for row in rows], np.int64)
        idx = np.moveaxis(picked.reshape(*moved.shape[:-1], 1), -1, d)
    values = np.take_along_axis(data, idx, axis=d)
    return values_indices(input, values, idx, d, keepdim, "KthvalueBackward0", _kth_type)


# ----- searchsorted / bucketize -------------------------------------------------------------------

def _search(seq: np.ndarray, values: np.ndarray, right: bool) -> np.ndarray:
    side = "right" if right else "left"
    if seq.ndim <= 1:
        return np.searchsorted(seq.reshape(-1), values, side=side)
    rows = seq.reshape(-1, seq.shape[-1])
    vals = values.reshape(rows.shape[0], -1)
    out = np.stack([np.searchsorted(r, v, side=side) for r, v in zip(rows, vals)])
    return out.reshape(values.shape)


@op("searchsorted", method=False, out=True)
def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    scalar = not isinstance(input, Tensor)
    values = to_tensor(input)
    seq = sorted_sequence._data
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of left while right "
                "was True")
        right = side == "right"
    if seq.ndim > 1 and (values._data.ndim != seq.ndim or values._data.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
            f"boundaries tensor and input value tensor must match, but we got boundaries tensor {list(seq.shape)} "
            f"and input value tensor {list(values._data.shape)}")
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, axis=-1)
    common = np.promote_types(seq.dtype, values._data.dtype)
    found = _search(seq.astype(common, copy=False), values._data.astype(common, copy=False), right)
    out = np.asarray(found, dtype=np.int32 if out_int32 else np.int64)
    if scalar:
        out = out.reshape(())
    dt = dtypes.int32 if out_int32 else dtypes.int64
    return Tensor._wrap(out, dt)


@op("bucketize", method=False, out=True)
def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    if boundaries._data.ndim != 1:
        raise RuntimeError(
            f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
