"""Storage geometry: where a tensor's elements sit in the memory it shares with its views.

PyTorch indexes a tensor's storage with sizes, strides and an offset; gradsh keeps each tensor's values in a
numpy array, and a view's array is a numpy view of its root base's array. So numpy's own strides and data
pointers ARE the geometry: the storage of a tensor is its root's memory, its offset is how far its first
element sits from the start of that memory, and its strides are numpy's, in elements. numpy lays out views
(slices, transposes, expands, diagonals, unfolds, unsqueezes) with the same strides as PyTorch.

What this covers:
- roots whose array is dense (contiguous, or a permutation of contiguous: numpy's elementwise results on
  transposed inputs keep the layout, as PyTorch's TensorIterator does), and every view of them;
- roots restrided by `as_strided_` or `set_`: the memory they had is remembered (`restrided`), so their
  offset and strides stay relative to it, as PyTorch's storage does.
A root whose array is not dense (a window an op took of a larger scratch array) stands for a tensor PyTorch
would have made contiguous: its storage is modelled as a contiguous copy (values right, no aliasing).
"""

from __future__ import annotations

import weakref
from typing import Any, NamedTuple

import numpy as np

from .. import dtypes
from ..graph import edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result
from ._struct import needs_grad, node_class
from .views import make_view

# roots whose geometry was set by as_strided_ (or made by as_strided_scatter): id -> (the tensor, weakly; the
# 1-D memory of its storage). Keyed by id: a Tensor's == is elementwise, so it cannot key a WeakKeyDictionary.
_restrided: dict[int, tuple[weakref.ref, np.ndarray]] = {}


def _remember(root: Tensor, memory: np.ndarray) -> None:
    key = id(root)
    _restrided[key] = (weakref.ref(root, lambda _ref: _restrided.pop(key, None)), memory)


def _remembered(root: Tensor) -> np.ndarray | None:
    found = _restrided.get(id(root))
    return found[1] if found is not None and found[0]() is root else None


class Geometry(NamedTuple):
    memory: np.ndarray  # the storage, 1-D, in elements (a view of the tensor's memory when `shared`)
    offset: int
    strides: tuple[int, ...]
    shared: bool  # memory is the tensor's own memory (a view of it aliases the tensor)


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _dense(a: np.ndarray) -> bool:
    """No gaps and no overlaps, strides non-negative: the array is a permutation of a contiguous block."""
    dims = sorted((st, n) for n, st in zip(a.shape, a.strides) if n != 1)
    expected = a.itemsize
    for st, n in dims:
        if st != expected:
            return False
        expected *= n
    return True


def _within(a: np.ndarray, memory: np.ndarray) -> bool:
    if a.size == 0:
        return True
    lo = _address(memory)
    start = _address(a)
    span = sum((n - 1) * st for n, st in zip(a.shape, a.strides))
    low = start + min(0, span) if span < 0 else start
    return lo <= low and start + max(span, 0) + a.itemsize <= lo + memory.size * memory.itemsize


def _flat_memory(a: np.ndarray) -> np.ndarray:
    """A dense array's memory as a 1-D array of its elements, sharing it."""
    return np.lib.stride_tricks.as_strided(a, (a.size,), (a.itemsize,), writeable=a.flags.writeable)


def _contiguous_strides(shape: tuple) -> tuple[int, ...]:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def root_memory(root: Tensor) -> np.ndarray | None:
    """The storage of a root tensor as shared 1-D memory, or None when it is modelled as a copy."""
    data = root._data
    memory = _remembered(root)
    if memory is not None and _within(data, memory):
        return memory
    if _dense(data):
        return _flat_memory(data)
    return None


def remember_storage(root: Tensor) -> None:
    """Before a root's geometry changes in place (as_strided_, transpose_, ...): keep the memory it indexes."""
    memory = root_memory(root)
    if memory is not None:
        _remember(root, memory)


def geometry(t: Tensor) -> Geometry:
    root = t._base if t._base is not None else t
    data = t._data
    item = data.itemsize
    memory = root_memory(root)
    if memory is not None and _within(data, memory):
        offset = (_address(data) - _address(memory)) // item  # numpy keeps no offset for an empty slice: 0
        return Geometry(memory, offset, tuple(s // item for s in data.strides), True)
    # the root stands for a contiguous tensor: a view's place in it comes from replaying the view on positions
    flat = np.ascontiguousarray(root._data).reshape(-1)
    if t is root:
        return Geometry(flat, 0, _contiguous_strides(data.shape), False)
    positions = Tensor._wrap(np.arange(flat.size, dtype=np.int64).reshape(root._data.shape), t.dtype)
    from ..grad_mode import no_grad  # cycle: grad_mode is imported by the tensor layer

    with no_grad():
        where = t._view_fn(positions)._data
    strides = tuple(
        int(where[(0,) * d + (1,)].reshape(-1)[0] - where.reshape(-1)[0]) if n > 1 else s // item
        for d, (n, s) in enumerate(zip(data.shape, data.strides)))
    return Geometry(flat, int(where.reshape(-1)[0]) if where.size else 0, strides, False)


def window(memory: np.ndarray, size: tuple, stride: tuple, offset: int, writeable: bool) -> np.ndarray:
    """The elements of `memory` a tensor of this geometry reads, as a numpy view of it."""
    item = memory.itemsize
    if any(n == 0 for n in size):
        return np.lib.stride_tricks.as_strided(memory[min(offset, memory.size):], size, tuple(s * item for s in stride),
                                               writeable=False)
    return np.lib.stride_tricks.as_strided(memory[offset:], size, tuple(s * item for s in stride),
                                           writeable=writeable and memory.flags.writeable)


def check_bounds(size: tuple, stride: tuple, offset: int, memory: np.ndarray) -> None:
    """PyTorch's setStorage check: the geometry must stay inside the storage."""
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = 0 if any(n == 0 for n in size) else offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
    if need > memory.size:
        item = memory.itemsize
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and itemsize "
            f"{item} requiring a storage size of {need * item} are out of bounds for storage of size "
            f"{memory.size * item}")


def overlaps(size: tuple, stride: tuple) -> bool:
    """PyTorch's _maybe_overlapping_memory: dims of size > 1 sorted by stride, each stride past the span before."""
    dims = sorted((s, n) for n, s in zip(size, stride) if n > 1)
    span = 0
    for s, n in dims:
        if s <= span:
            return True
        span += s * (n - 1)
    return False


@op("stride", function=False)
def stride(self: Tensor, dim: Any = None) -> Any:
    strides = geometry(self).strides
    if dim is None:
        return strides
    if not self._data.ndim:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    from ._struct import wrap_dim  # cycle: _struct imports the indexing ops

    return strides[wrap_dim(dim, self._data.ndim)]


@op("storage_offset", function=False)
def storage_offset(self: Tensor) -> int:
    return geometry(self).offset


@op("is_contiguous", function=False)
def is_contiguous(self: Tensor, *, memory_format: Any = None) -> bool:
    if memory_format is not None:  # gradsh has no memory formats (torch.channels_last, ...)
        raise NotImplementedError(
            "gradsh implements is_contiguous() without a memory_format only; run the transcript with --backend "
            "torch to use real PyTorch")
    return bool(self._data.flags.c_contiguous)


# ----- as_strided: a view of the input's storage ---------------------------------------------------------

def _min_storage(dims: list, offset: int) -> int:
    return offset + 1 + sum((n - 1) * s for n, s in dims)


def _indices(dims: list, offset: int) -> np.ndarray:
    """The storage index of every element of a geometry (dims: (size, stride) pairs), in row-major order."""
    idx = np.full((), offset, dtype=np.int64)
    for n, s in dims:
        idx = idx[..., None] + np.arange(n, dtype=np.int64) * s
    return idx.reshape(-1)


def as_strided_backward(g: Tensor, input_geometry: tuple, size: tuple, stride: tuple, offset: int) -> Tensor:
    """PyTorch's as_strided_backward: the gradient scattered into a scratch storage through the output's geometry
    (overlapping output elements add up), divided where the input's own elements overlap (an expanded input),
    and read back through the input's geometry."""
    from .scatter_ops import index_put  # cycle: scatter_ops imports the view ops

    in_size, in_stride, in_offset = input_geometry
    zeros = g.new_zeros(in_size)
    if any(n == 0 for n in in_size):
        return zeros
    out_dims = []
    for i in reversed(range(len(size))):
        if size[i] == 0:
            return zeros
        if size[i] == 1:
            g = g.squeeze(i)
        elif stride[i] == 0:
            g = g.sum(i)
        else:
            out_dims.insert(0, (size[i], stride[i]))
    in_dims = [(n, s) for n, s in zip(in_size, in_stride) if n != 1]
    shared = min(in_offset, offset)
    in_eff, out_eff = in_offset - shared, offset - shared
    base = max(_min_storage(in_dims, in_eff), _min_storage(out_dims, out_eff))
    out_overlap = overlaps(*zip(*out_dims)) if out_dims else False
    where = Tensor._wrap(_indices(out_dims, out_eff), dtypes.int64)
    storage = index_put(g.new_zeros((base,)), (where,), g.reshape(-1), accumulate=out_overlap)
    in_overlap = overlaps(*zip(*in_dims)) if in_dims else False
    if in_overlap:
        count = np.bincount(_indices(in_dims, in_eff), minlength=base).astype(storage._data.dtype)
        count[count == 0] = 1  # storage the input never reads
        storage = storage / Tensor._wrap(count, storage.dtype)
    out = as_strided(storage, in_size, in_stride, in_eff)
    return out.contiguous() if in_overlap else out


class _Geometry(NamedTuple):
    size: tuple
    stride: tuple
    offset: int


def as_strided(input: Tensor, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    geo = geometry(input)
    offset = geo.offset if storage_offset is None else int(storage_offset)
    check_bounds(size, stride, offset, geo.memory)
    data = window(geo.memory, size, stride, offset, writeable=geo.shared and not overlaps(size, stride))

    def again(b: Tensor) -> Tensor:
        return as_strided(b, size, stride, offset)

    node = None
    if needs_grad(input):
        seen = _Geometry(input._data.shape, geo.strides, geo.offset)
        node = node_class("AsStridedBackward0")((edge(input),))
        node.fn = lambda grads: (as_strided_backward(grads[0], seen, size, stride, offset),)
        node.kept, node.n_out = (), 1
    if geo.shared:
        return make_view(input, data, node, again)
    out = result(np.array(data), input.dtype)
    if node is not None:
        attach(out, node)
    return out


# ----- as_strided_scatter: src written into a copy of the input's storage ----------------------------------

_SCATTER_NEEDS_CONTIGUOUS = (
    '!self.requires_grad() || self.is_contiguous() INTERNAL ASSERT FAILED at "/__w/pytorch/pytorch/aten/src/ATen/'
    'native/TensorShape.cpp":4754, please report a bug to PyTorch. as_strided_scatter is currently only '
    "supported for contiguous inputs")


def as_strided_scatter(input: Tensor, src: Tensor, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
    """PyTorch's composition: the input's whole storage cloned (an input with internal overlap, an expanded one,
    is cloned contiguous), the output taking the input's geometry in it, src copied through the strided slice."""
    if input._rg and not input._data.flags.c_contiguous:
        raise RuntimeError(_SCATTER_NEEDS_CONTIGUOUS)
    size, stride = tuple(int(n) for n in size), tuple(int(s) for s in stride)
    if any(n > 1 and s == 0 for n, s in zip(input._data.shape, input._data.strides)):
        memory = np.ascontiguousarray(input._data).reshape(-1)
        strides, start = _contiguous_strides(input._data.shape), 0
    else:
        geo = geometry(input)
        memory, strides, start = geo.memory.copy(), geo.strides, geo.offset
    offset = start if storage_offset is None else int(storage_offset)
    check_bounds(size, stride, offset, memory)
    place = window(memory, size, stride, offset, True)
    if place.shape != src._data.shape:
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = {list(src._data.shape)}, slice "
            f"size = {list(place.shape)}")
    place[...] = src._data
    out = result(window(memory, input._data.shape, strides, start, True), input.dtype)
    _remember(out, memory)
    if needs_grad(input, src):
        node = node_class("AsStridedScatterBackward0")((edge(input), edge(src)))
        node.fn = lambda grads: _as_strided_scatter_backward(grads[0], size, stride, storage_offset)
        node.kept, node.n_out = (), 1
        attach(out, node)
    return out


def _as_strided_scatter_backward(g: Tensor, size: tuple, stride: tuple, storage_offset: Any) -> tuple:
    """PyTorch 2.13's as_strided_scatter_backward: on the contiguous gradient, the slice goes to src and, as
    written there, also to self (zeros elsewhere)."""
    g = g.contiguous()
    g_slice = as_strided(g, size, stride, storage_offset)
    g_self = as_strided_scatter(g.new_zeros(g._data.shape), g_slice, size, stride, storage_offset)
    return g_self, g_slice.contiguous()
