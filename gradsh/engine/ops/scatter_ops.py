"""Indexing and scatter: scatter_reduce, index_reduce, index_copy, index_fill, index_put, take,
take_along_dim, put, masked_scatter.

The reductions write through flat positions with numpy's unbuffered `ufunc.at` (repeated indices
accumulate); their backwards are PyTorch's formulas (derivatives.yaml) written with Tensor ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes, graph
from ..registry import op
from ..tensor import Tensor
from ._core import result, sum_to, to_tensor
from ._struct import gather_by_map, long, positions, record, wrap_dim
from .indexing import _gather_key, embed

_REDUCES = ("sum", "prod", "mean", "amax", "amin")
_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _identity(reduce: str, dt: np.dtype) -> Any:
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dt.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dt.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dt)
    return info.min if reduce == "amax" else info.max


def _flat_positions(shape: tuple, index: np.ndarray, d: int) -> np.ndarray:
    if not shape:
        return np.zeros(index.shape, np.int64)
    key = np.broadcast_arrays(*_gather_key(index, d))
    return np.ravel_multi_index(tuple(key), shape)


def _reduce_into(base: np.ndarray, pos: np.ndarray, values: np.ndarray, reduce: str, include_self: bool) -> tuple:
    """(result, counts) of reducing `values` into flat positions `pos` of a copy of base."""
    out = base.copy().reshape(-1)
    pos, values = pos.reshape(-1), values.reshape(-1)
    if not include_self:
        out[pos] = _identity(reduce, out.dtype)
    _UFUNCS[reduce].at(out, pos, values)
    counts = None
    if reduce == "mean":
        counts = np.full(out.shape, 1 if include_self else 0, np.int64)
        np.add.at(counts, pos, 1)
        counts = np.maximum(counts, 1)
        out = out // counts if out.dtype.kind in "iub" else out / counts.astype(out.dtype)
    return out.reshape(base.shape), counts


def _check_reduce(reduce: str, name: str) -> None:
    if reduce not in _REDUCES or (name == "index_reduce" and reduce == "sum"):
        choices = "prod, mean, amax or amin" if name == "index_reduce" else "sum, prod, mean, amax or amin"
        raise RuntimeError(f"reduce argument must be either {choices}, got {reduce}")


class _Scattered:
    """What the backward of a reducing scatter needs: how src reaches self (gather/scatter_add along d)."""

    def __init__(self, d: int, index: Tensor, region: tuple) -> None:
        self.d, self.index, self.region = d, index, region

    def take(self, t: Tensor) -> Tensor:  # self-shaped -> src(index)-shaped (index may be smaller than t)
        if not t._data.ndim:
            return t.reshape(self.index._data.shape)
        return gather_by_map(t, _flat_positions(t._data.shape, self.index._data, self.d) + 1, "GatherBackward0")

    def add(self, base: Tensor, values: Tensor) -> Tensor:  # src-shaped values added into self-shaped base
        return base + embed(values, base._data.shape, _gather_key(self.index._data, self.d)) if base._data.ndim \
            else base + values.sum()

    def mask(self, shape: tuple) -> np.ndarray:
        hit = np.zeros(int(np.prod(shape, dtype=np.int64)), bool)
        hit[_flat_positions(shape, self.index._data, self.d).reshape(-1)] = True
        return hit.reshape(shape)


def _reduce_backward(how: _Scattered, reduce: str, include_self: bool, src_shape: tuple, again: Any) -> Any:
    """PyTorch's scatter_reduce_backward / index_reduce_backward; `again(self, src)` redoes the forward."""

    def backward(grads: list, x: Tensor, src: Tensor, out: Tensor) -> tuple:
        g = grads[0]
        s = src[how.region] if src._data.shape != how.index._data.shape else src
        if reduce == "sum":
            g_self, g_src = g, how.take(g)
        elif reduce == "mean":
            n = how.add(Tensor._wrap(np.full(x._data.shape, 1.0 if include_self else 0.0, x._data.dtype), x.dtype),
                        Tensor._wrap(np.ones(s._data.shape, x._data.dtype), x.dtype))
            n = n.masked_fill(n == 0, 1)
            g_self = g / n
            g_src = how.take(g) / how.take(n)
        elif reduce == "prod":  # zeros are left out of the products they would zero, as PyTorch does
            masked_self = x.masked_fill(x == 0, 1)
            g_self = g * again(masked_self, src) / masked_self
            src_zero = s == 0
            zeros = how.take(how.add(x * 0, src_zero.to(x.dtype)))
            single = src_zero.logical_and(zeros == 1)
            masked_src = s.masked_fill(single, 1)
            if masked_src._data.shape != src_shape:
                masked_src = embed(masked_src, src_shape, how.region) + src - embed(s, src_shape, how.region)
            g_src = how.take(g * again(x, masked_src)).where(single, how.take(g * out) / s.masked_fill(src_zero, 1))
            if graph.recording_for_forward_ad[0]:  # PyTorch's scatter_reduce_jvp has no formula for prod
                g_self, g_src = g_self.detach(), g_src.detach()
        else:
            value = how.take(out)
            self_is = (x == out).to(x.dtype)
            src_is = (s == value).to(x.dtype)
            share = g / how.add(self_is, src_is)
            g_self = self_is * share
            g_src = src_is * how.take(share)
        if not include_self:
            g_self = g_self.masked_fill(Tensor._wrap(how.mask(x._data.shape), dtypes.bool_), 0)
        if g_src._data.shape != src_shape:
            g_src = embed(g_src, src_shape, how.region)
        return g_self, g_src

    return backward


def _scatter_reduce(input: Tensor, d: int, index: Tensor, src: Tensor, reduce: str, include_self: bool,
                    node: str, index_for_backward: Tensor) -> Tensor:
    region = tuple(slice(0, s) for s in index_for_backward._data.shape)
    values = src._data[region] if src._data.ndim else src._data
    pos = _flat_positions(input._data.shape, index_for_backward._data, d)
    data, _ = _reduce_into(input._data, pos, values.astype(input._data.dtype, copy=False), reduce, include_self)
    out = result(data, input.dtype)
    how = _Scattered(d, index_for_backward, region)

    def again(x: Tensor, s: Tensor) -> Tensor:
        return _scatter_reduce(x, d, index, s, reduce, include_self, node, index_for_backward)

    record(out, node, (input, src), _reduce_backward(how, reduce, include_self, src._data.shape, again),
           keep=(input, src), keep_output=True)
    return out


@op("scatter_reduce", inplace=True)
def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    _check_reduce(reduce, "scatter_reduce")
    if index.dtype is not dtypes.int64:
        raise RuntimeError("scatter_reduce(): Expected dtype int64 for index")
    if input.dtype is not src.dtype:
        raise RuntimeError(
            "scatter_reduce(): Expected self.dtype to be equal to src.dtype")
    d = wrap_dim(dim, input._data.ndim)
    return _scatter_reduce(input, d, index, src, reduce, include_self, "ScatterReduceBackward0", index)


@op("scatter_add", inplace=True)
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    d = wrap_dim(dim, input._data.ndim)
    return _scatter_reduce(input, d, index, src, "sum", True, "ScatterAddBackward0", index)


def _index_along(index: Tensor, d: int, shape: tuple) -> Tensor:
    """An index vector along d, broadcast to `shape` (index_* ops in scatter form)."""
    if not shape:
        return long(index._data.reshape(()))
    view = [1] * len(shape)
    view[d] = -1
    return long(np.broadcast_to(index._data.reshape(view), shape))


def _check_index(name: str, input: Tensor, d: int, index: Tensor) -> np.ndarray:
    if index._data.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    if index.dtype is not dtypes.int64 and index.dtype is not dtypes.int32:
        raise IndexError(f"{name}(): Expected dtype int32/int64 for index")
    size = input._data.shape[d] if input._data.ndim else 1
    idx = index._data.reshape(-1).astype(np.int64)
    bad = (idx >= size) | (idx < -size)
    if bad.any():
        raise IndexError(f"{name}(): index {int(idx[bad][0])} is out of bounds for dimension {d} with size {size}")
    return np.where(idx < 0, idx + size, idx)


@op("index_reduce", inplace=True, out=True, method=lambda input, dim, index, source, reduce, **kwargs:
    index_reduce(input, dim, index, source, reduce, **kwargs))  # Tensor.index_reduce: include_self by keyword
def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    _check_reduce(reduce, "index_reduce")
    d = wrap_dim(dim, input._data.ndim)
    idx = long(_check_index("index_reduce_", input, d, index))
    full = _index_along(idx, d, source._data.shape)
    return _scatter_reduce(input, d, idx, source, reduce, include_self, "IndexReduceBackward0", full)


# ----- index_copy / index_fill --------------------------------------------------------------------

def _along_key(nd: int, d: int, idx: np.ndarray) -> tuple:
    return (slice(None),) * d + (idx,) if nd else ()


@op("index_copy", inplace=True, out=True)
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    nd = input._data.ndim
    d = wrap_dim(dim, nd)
    idx = _check_index("index_copy_", input, d, index)
    if source.dtype is not input.dtype:
        raise RuntimeError(
            f"index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{input.dtype.scalar_name} and (source) {source.dtype.scalar_name}")
    data = input._data.copy()
    if nd:
        data[_along_key(nd, d, idx)] = source._data.reshape(data[_along_key(nd, d, idx)].shape)
    elif idx.size:
        data = source._data.reshape(()).copy()
    out = result(data, input.dtype)
    key = long(idx)

    def backward(grads: list) -> tuple:
        g = grads[0]
        if not nd:
            return g * 0, g.reshape(source._data.shape)
        return g.index_fill(d, key, 0), g.index_select(d, key).reshape(source._data.shape)

    record(out, "IndexCopyBackward0", (input, source), backward)
    return out


@op("index_fill", inplace=True)
def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    nd = input._data.ndim
    d = wrap_dim(dim, nd)
    idx = _check_index("index_fill_", input, d, index)
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(
            "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value._data.ndim} dimension(s).")
    v = value._data if isinstance(value, Tensor) else value
    data = input._data.copy()
    if nd:
        data[_along_key(nd, d, idx)] = v
    elif idx.size:
        data[()] = v
    out = result(data, input.dtype)
    key = long(idx)

    def backward(grads: list) -> tuple:
        g = grads[0]
        if not nd:
            g_self, picked = (g * 0 if idx.size else g), g
        else:  # each filled place once, however often the index names it
            g_self, picked = g.index_fill(d, key, 0), g.index_select(d, long(np.unique(idx)))
        return g_self, (picked.sum() if isinstance(value, Tensor) else None)

    node = "IndexFillBackward1" if isinstance(value, Tensor) else "IndexFillBackward0"
    record(out, node, (input, value) if isinstance(value, Tensor) else (input,), backward)
    return out


# ----- index_put ----------------------------------------------------------------------------------

def _np_key(indices: Any) -> tuple:
    return tuple(slice(None) if i is None else i._data if isinstance(i, Tensor) else np.asarray(i) for i in indices)


@op("index_put", inplace=True)
def index_put(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    values = to_tensor(values)
    if values.dtype is not input.dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got {input.dtype.scalar_name} for the "
            f"destination and {values.dtype.scalar_name} for the source.")
    key = _np_key(indices)
    data = input._data.copy()
    try:
        target = data[key]
        vals = np.broadcast_to(values._data, target.shape)
    except (IndexError, ValueError) as e:
        raise IndexError(str(e)) from None
    if accumulate:
        np.add.at(data, key, vals)
    else:
        data[key] = vals
    out = result(data, input.dtype)

    def backward(grads: list) -> tuple:
        g = grads[0]
        g_self = g
        if not accumulate:
            hit = np.zeros(data.shape, bool)
            hit[key] = True
            g_self = g.masked_fill(Tensor._wrap(hit, dtypes.bool_), 0)
        picked = g[tuple(indices)]
        return g_self, sum_to(picked, values._data.shape)

    record(out, "IndexPutBackward0", (input, values), backward)
    return out


# ----- take / take_along_dim / put / masked_scatter -----------------------------------------------

def _flat_index(input: Tensor, index: Tensor) -> np.ndarray:
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype.scalar_name}")
    n = input._data.size
    idx = index._data.astype(np.int64)
    bad = (idx >= n) | (idx < -n)
    if bad.any():
        raise IndexError(f"out of range: tried to access index {int(idx[bad].reshape(-1)[0])} on a tensor of {n} "
                         "elements.")
    return np.where(idx < 0, idx + n, idx)


@op("take")
def take(input: Tensor, index: Tensor) -> Tensor:
    return gather_by_map(input, _flat_index(input, index) + 1, "TakeBackward0")


@op("take_along_dim", out=True)
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    if indices.dtype is not dtypes.int64:
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {indices.dtype.scalar_name}")
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    if input._data.ndim != indices._data.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{input._data.ndim} dimensions for input, and {indices._data.ndim} dimensions for indices")
    d = wrap_dim(dim, input._data.ndim)
    xs, ids = list(input._data.shape), list(indices._data.shape)
    xs[d], ids[d] = 1, 1
    common = list(np.broadcast_shapes(tuple(xs), tuple(ids)))
    in_shape, idx_shape = list(common), list(common)
    in_shape[d], idx_shape[d] = input._data.shape[d], indices._data.shape[d]
    x = input if tuple(in_shape) == input._data.shape else input.expand(tuple(in_shape))
    i = indices if tuple(idx_shape) == indices._data.shape else indices.expand(tuple(idx_shape))
    return x.gather(d, i)


@op("put", inplace=True)
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    if source.dtype is not input.dtype:
        raise RuntimeError(
            f"put_(): self and source expected to have the same dtype, but got self.dtype = "
            f"{input.dtype.scalar_name} and source.dtype = {source.dtype.scalar_name}")
    if index._data.size != source._data.size:
        raise RuntimeError(
            f"put_(): Expected source and index to have the same number of elements, but got source.numel() = "
            f"{source._data.size}, index.numel() = {index._data.size}")
    idx = _flat_index(input, index).reshape(-1)
    flat = input._data.copy().reshape(-1)
    if accumulate:
        np.add.at(flat, idx, source._data.reshape(-1))
    else:
        flat[idx] = source._data.reshape(-1)
    out = result(flat.reshape(input._data.shape), input.dtype)
    where = long(idx)

    def backward(grads: list) -> tuple:
        g = grads[0]
        g_self = g
        if not accumulate:
            hit = np.zeros(input._data.size, bool)
            hit[idx] = True
            g_self = g.masked_fill(Tensor._wrap(hit.reshape(input._data.shape), dtypes.bool_), 0)
        return g_self, take(g, where).reshape(source._data.shape)

    record(out, "PutBackward0", (input, source), backward)
    return out


@op("masked_select", out=True)
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    if mask.dtype is not dtypes.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    where = np.broadcast_to(positions(input._data.shape), shape)[np.broadcast_to(mask._data, shape)]
    return gather_by_map(input, where, "MaskedSelectBackward0")


@op("masked_scatter", inplace=True)
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    if mask.dtype is not dtypes.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.scalar_name}")
    if source.dtype is not input.dtype:
        raise RuntimeError(
            f"masked_scatter: expected self and source to have same dtypes but got{input.dtype.scalar_name} and "
            f"{source.dtype.scalar_name}")
    try:
        shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    except ValueError:
        raise RuntimeError(f"The size of tensor a must match the size of tensor b: {list(input._data.shape)} and "
                           f"{list(mask._data.shape)} do not broadcast") from None
    m = np.broadcast_to(mask._data, shape)
    count = int(m.sum())
    if count > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    data = np.broadcast_to(input._data, shape).copy()
    data[m] = source._data.reshape(-1)[:count]
    out = result(data, input.dtype)
    hit = Tensor._wrap(np.ascontiguousarray(m), dtypes.bool_)

    def backward(grads: list) -> tuple:
        g = grads[0]
        picked = g[hit]
        size = source._data.size
        g_src = embed(picked, (size,), (np.arange(count),)).reshape(source._data.shape)
        return sum_to(g.masked_fill(hit, 0), input._data.shape), g_src

    record(out, "MaskedScatterBackward0", (input, source), backward)
    return out


# ----- argwhere / nonzero_static / isin ------------------------------------------------------------

def _nonzero_rows(data: np.ndarray) -> np.ndarray:
    if data.ndim == 0:  # a 0-d tensor: one row of no coordinates when it is nonzero
        return np.zeros((int(bool(data)), 0), np.int64)
    return np.stack(np.nonzero(data), axis=1).astype(np.int64)


@op("argwhere")
def argwhere(input: Tensor) -> Tensor:
    return long(_nonzero_rows(input._data))


@op("nonzero_static")
def nonzero_static(input: Tensor, *, size: int, **kwargs: Any) -> Tensor:
    fill_value = kwargs.pop("fill_value", -1)  # PyTorch's recorded signature leaves fill_value out
    if kwargs:
        raise TypeError(f"nonzero_static() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got size: {size}")
    rows = _nonzero_rows(input._data)[:size]
    out = np.full((size, input._data.ndim), fill_value, np.int64)
    out[:rows.shape[0]] = rows
    return long(out)


@op("isin", method=False, out=True)
def isin(elements: Any = None, test_elements: Any = None, element: Any = None, test_element: Any = None, *,
         assume_unique: bool = False, invert: bool = False) -> Tensor:
    # PyTorch's overloads name a scalar operand element / test_element
    elements = element if elements is None else elements
    test_elements = test_element if test_elements is None else test_elements
    a = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    found = np.isin(a, b, invert=invert)
    return result(np.asarray(found), dtypes.bool_)


# ----- _unsafe_masked_index / _unsafe_masked_index_put_accumulate ---------------------------------

def _masked_key(mask: Tensor, indices: Any) -> tuple:
    """The index tensors with 0 where the mask is off (PyTorch's unsafe ops index only under the mask)."""
    m = mask._data
    return tuple(slice(None) if i is None else np.where(np.broadcast_to(m, np.broadcast_shapes(m.shape, i._data.shape)),
                                                        i._data, 0) for i in indices)


@op("_unsafe_masked_index", method=False)
def _unsafe_masked_index(input: Tensor, mask: Tensor, indices: Any, fill: Any) -> Tensor:
    key = _masked_key(mask, indices)
    picked = input._data[key]
    data = np.where(mask._data, picked, fill).astype(input._data.dtype)
    out = result(data, input.dtype)
    keep = Tensor._wrap(np.broadcast_to(mask._data, data.shape).copy(), dtypes.bool_)

    def backward(grads: list) -> tuple:
        g = grads[0].masked_fill(keep.logical_not(), 0)
        return (embed(g, input._data.shape, key),)

    record(out, "UnsafeMaskedIndexBackward0", (input,), backward)
    return out


@op("_unsafe_masked_index_put_accumulate", method=False)
def _unsafe_masked_index_put_accumulate(input: Tensor, mask: Tensor, indices: Any, values: Tensor) -> Tensor:
    key = _masked_key(mask, indices)
    data = input._data.copy()
    vals = np.where(mask._data, values._data, 0).astype(data.dtype)
    np.add.at(data, key, np.broadcast_to(vals, data[key].shape))
    out = result(data, input.dtype)
    keep = Tensor._wrap(np.asarray(mask._data).copy(), dtypes.bool_)

    def backward(grads: list) -> tuple:
        g = grads[0]
        picked = g[key]
        return g, sum_to(picked.masked_fill(keep.logical_not(), 0), values._data.shape)

    record(out, "UnsafeMaskedIndexPutAccumulateBackward0", (input, values), backward)
    return out
