"""Shapes and views: flip, roll, rot90, tile, the *stack and *split families, meshgrid, tril/triu, diag*,
the *_copy forms of the views, as_strided, unfold, broadcast_*, atleast_*d, ravel, the *_scatter ops.

Element-moving ops go through their position map (ops/_struct.py); composite ones are written as
PyTorch composes them, so their nodes are PyTorch's nodes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import creation, dtypes
from ..changes import note
from ..graph import edge
from ..registry import op, tensor_property
from ..tensor import Size, Tensor
from . import storage, views
from ._core import attach, result, sum_to
from ._struct import (
    long,
    mapped,
    needs_grad,
    node_class,
    record,
    scatter_to_view,
    wrap_dim,
)
from .complex_ops import conj
from .inplace_forms import metadata_inplace
from .joining import cat, repeat, stack
from .views import make_view, slice_dim


def _dim_list(dims: Any, ndim: int) -> tuple:
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    wrapped = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"dims has duplicates, original flip dims size={len(dims)}, but unique flip dims size="
                           f"{len(set(wrapped))}")
    return wrapped


# ----- flip / roll / rot90 / tile ------------------------------------------------------------------

@op("flip")
def flip(input: Tensor, dims: Any) -> Tensor:
    axes = _dim_list(dims, input._data.ndim) if input._data.ndim else ()
    return mapped(input, lambda p: np.flip(p, axes) if axes else p, "FlipBackward0")


@op("fliplr")
def fliplr(input: Tensor) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


@op("flipud")
def flipud(input: Tensor) -> Tensor:
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


@op("roll")
def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    if dims is None or dims == () or dims == []:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return mapped(input, lambda p: np.roll(p.reshape(-1), shifts[0]).reshape(p.shape), "RollBackward0")
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    axes = tuple(wrap_dim(d, input._data.ndim) for d in dims)
    return mapped(input, lambda p: np.roll(p, shifts, axes) if p.ndim else p, "RollBackward0")


@op("rot90")
def rot90(input: Tensor, k: int = 1, dims: Any = (0, 1)) -> Tensor:
    dims = tuple(dims)
    n = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = wrap_dim(dims[0], n), wrap_dim(dims[1], n)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return mapped(input, lambda p: np.rot90(p, k, (d0, d1)), "Rot90Backward0")


@op("tile")
def tile(input: Tensor, dims: Any) -> Tensor:
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    n = input._data.ndim
    if len(dims) < n:
        dims = (1,) * (n - len(dims)) + dims
    return repeat(input, *dims)


# ----- tril / triu / diag family ------------------------------------------------------------------

def _triangle(input: Tensor, diagonal: int, lower: bool) -> Tensor:
    if input._data.ndim < 2:
        name = "tril" if lower else "triu"
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    fn = np.tril if lower else np.triu
    return mapped(input, lambda p: fn(p, diagonal), "TrilBackward0" if lower else "TriuBackward0")


@op("tril", out=True, inplace=True)
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    return _triangle(input, diagonal, True)


@op("triu", out=True, inplace=True)
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    return _triangle(input, diagonal, False)


def _diag_embed_map(p: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    n = p.shape[-1] + abs(offset)
    out = np.zeros(p.shape[:-1] + (n, n), np.int64)
    rows = np.arange(p.shape[-1]) + max(-offset, 0)
    cols = np.arange(p.shape[-1]) + max(offset, 0)
    out[..., rows, cols] = p
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


@op("diag_embed")
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    n = input._data.ndim + 1
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return mapped(input, lambda p: _diag_embed_map(p, offset, d1, d2), "DiagEmbedBackward0")


@op("diag", out=True)
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        return diagonal_copy(input, diagonal)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " f"{nd}D")


@op("diagflat")
def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    return diag_embed(input.reshape(-1) if input._data.ndim != 1 else input, offset, 0, 1)


# ----- the *_copy forms of the views --------------------------------------------------------------

def _copied(view: Any, inputs: tuple) -> Any:
    """The view's values in new memory, recorded as PyTorch's `<ViewNode>_copy`."""
    many = isinstance(view, (tuple, list))
    views_ = list(view) if many else [view]
    outs = [result(v._data.copy(), v.dtype) for v in views_]
    node = views_[0]._grad_fn if views_ else None
    if node is not None and needs_grad(*inputs):
        name = type(node).__name__ + "_copy"
        copy_node = node_class(name)(node.next_functions)
        copy_node.fn, copy_node.kept, copy_node.n_out = node.apply, (), len(outs)
        for i, o in enumerate(outs):
            attach(o, copy_node, i)
    return tuple(outs) if many else outs[0]


def _copy_op(name: str, copy_form: Callable, out: bool = False) -> None:
    op(name, method=False, out=out)(copy_form)


def alias_copy(input: Tensor) -> Tensor:
    return _copied(views.alias(input), (input,))


def expand_copy(input: Tensor, size: Any, **implicit: Any) -> Tensor:  # implicit=: by keyword, as recorded
    return _copied(views.expand(input, tuple(size)), (input,))


def permute_copy(input: Tensor, dims: Any) -> Tensor:
    return _copied(views.permute(input, tuple(dims)), (input,))


def t_copy(input: Tensor) -> Tensor:
    return _copied(views.t(input), (input,))


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return _copied(views.transpose(input, dim0, dim1), (input,))


def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:
    return _copied(views.unsqueeze(input, dim), (input,))


def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:
    return _copied(views.squeeze(input, dim), (input,))


def view_copy(input: Tensor, size: Any = None, dtype: Any = None) -> Tensor:
    # the overloads view_copy(input, size) and view_copy(input, dtype)
    target = dtype if dtype is not None else size
    return _copied(views.view(input, target), (input,))


def unbind_copy(input: Tensor, dim: int = 0) -> tuple:
    return _copied(views.unbind(input, dim), (input,))


def split_with_sizes_copy(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple:
    return _copied(views.split(input, list(split_sizes), dim), (input,))


def split_copy(input: Tensor, split_size: Any, dim: int = 0) -> tuple:
    return _copied(views.split(input, split_size, dim), (input,))


for _form in (alias_copy, expand_copy, permute_copy, t_copy, transpose_copy, unsqueeze_copy, unbind_copy,
              split_with_sizes_copy, split_copy):
    _copy_op(_form.__name__, _form)
_copy_op("squeeze_copy", squeeze_copy, out=True)
_copy_op("view_copy", view_copy, out=True)


@op("diagonal_copy", method=False)
def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    return _copied(views.diagonal(input, offset, dim1, dim2), (input,))


@op("narrow_copy", out=True)
def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    size = input._data.shape[wrap_dim(dim, input._data.ndim)]
    begin = start + size if start < 0 else start
    data = np.take(input._data, np.arange(begin, begin + length), axis=wrap_dim(dim, input._data.ndim))
    out = result(data, input.dtype)
    d = wrap_dim(dim, input._data.ndim)
    record(out, "NarrowCopyBackward0", (input,),
           lambda grads: (scatter_to_view(grads[0], input._data.shape,
                                          lambda b: slice_dim(b, d, begin, begin + length, 1)),))
    return out


# ----- as_strided / unfold -------------------------------------------------------------------------

as_strided = op("as_strided", inplace=metadata_inplace(
    storage.as_strided, lambda *a, **k: "AsStridedBackward1", "as_strided_"))(storage.as_strided)


@op("as_strided_copy")
def as_strided_copy(input: Tensor, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
    return _copied(as_strided(input, size, stride, storage_offset), (input,))


def _unfold_data(x: Tensor, d: int, size: int, step: int) -> np.ndarray:
    data = x._data if x._data.ndim else x._data.reshape(1)
    n = data.shape[d]
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    windows = np.lib.stride_tricks.sliding_window_view(data, size, axis=d)
    key = (slice(None),) * d + (slice(None, None, step),)
    out = windows[key]
    return out if x._data.ndim else out.reshape(size)


@op("unfold", function=False)
def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    d = wrap_dim(dimension, input._data.ndim)
    data = _unfold_data(input, d, size, step)

    def again(b: Tensor) -> Tensor:
        return unfold(b, d, size, step)

    node = None
    if needs_grad(input):
        shape = input._data.shape
        node = node_class("UnfoldBackward0")((edge(input),))
        node.fn, node.kept, node.n_out = (lambda grads: (scatter_to_view(grads[0], shape, again),)), (), 1
    return make_view(input, data, node, again)


@op("unfold_copy", method=False)
def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    return _copied(unfold(input, dimension, size, step), (input,))


# ----- broadcasting / atleast / ravel -------------------------------------------------------------

@op("broadcast_to", out=False)
def broadcast_to(input: Tensor, size: Any) -> Tensor:
    return views.expand(input, tuple(size))


@op("broadcast_tensors", method=False)
def broadcast_tensors(*tensors: Any) -> tuple:
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t._data.shape for t in tensors))
    return tuple(t if t._data.shape == tuple(shape) else views.expand(t, tuple(shape)) for t in tensors)


@op("broadcast_shapes", method=False)
def broadcast_shapes(*shapes: Any) -> Size:
    dims = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*dims))
    except ValueError:
        for i in range(1, max((len(d) for d in dims), default=0) + 1):
            sizes = {d[-i] for d in dims if len(d) >= i and d[-i] != 1}
            if len(sizes) > 1:
                raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single shape") from None
        raise


def _atleast(tensors: tuple, n: int) -> Any:
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)) else tensors
    outs = []
    for t in items:
        nd = t._data.ndim
        if nd >= n:
            outs.append(t)
        elif nd == 0:
            outs.append(views.reshape(t, (1,) * n))
        elif n == 2:
            outs.append(views.unsqueeze(t, 0))
        elif nd == 1:
            outs.append(views.unsqueeze(views.unsqueeze(t, 0), -1))
        else:
            outs.append(views.unsqueeze(t, -1))
    return outs[0] if single else tuple(outs)


@op("atleast_1d", method=False)
def atleast_1d(*tensors: Any) -> Any:
    return _atleast(tensors, 1)


@op("atleast_2d", method=False)
def atleast_2d(*tensors: Any) -> Any:
    return _atleast(tensors, 2)


@op("atleast_3d", method=False)
def atleast_3d(*tensors: Any) -> Any:
    return _atleast(tensors, 3)


@op("ravel")
def ravel(input: Tensor) -> Tensor:
    return views.reshape(input, (-1,))


def _adjoint(x: Tensor) -> Tensor:
    if x._data.ndim < 2:
        raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return conj(views.transpose(x, -2, -1))  # a complex tensor's conj (ConjBackward0 above the transpose)


def _h(x: Tensor) -> Tensor:
    if x._data.ndim not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {x._data.ndim}-D tensor.")
    return conj(views.transpose(x, 0, 1) if x._data.ndim == 2 else x)


tensor_property("mH", _adjoint)
tensor_property("H", _h)
@op("adjoint")
def adjoint(input: Tensor) -> Tensor:
    return _adjoint(input)


# ----- stacking and splitting ---------------------------------------------------------------------

def _tensor_list(tensors: Any, name: str) -> list:
    items = list(tensors)
    if not items:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return items


@op("hstack", method=False, out=True)
def hstack(tensors: Any) -> Tensor:
    items = atleast_1d(*_tensor_list(tensors, "hstack"))
    items = items if isinstance(items, tuple) else (items,)
    return cat(list(items), 0 if items[0]._data.ndim == 1 else 1)


@op("vstack", aliases=("row_stack",), method=False, out=True)
def vstack(tensors: Any) -> Tensor:
    items = atleast_2d(*_tensor_list(tensors, "vstack"))
    return cat(list(items) if isinstance(items, tuple) else [items], 0)


@op("dstack", method=False, out=True)
def dstack(tensors: Any) -> Tensor:
    items = atleast_3d(*_tensor_list(tensors, "dstack"))
    return cat(list(items) if isinstance(items, tuple) else [items], 2)


@op("column_stack", method=False, out=True)
def column_stack(tensors: Any) -> Tensor:
    items = [views.reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t
             for t in _tensor_list(tensors, "column_stack")]
    return cat(items, 1)


@op("tensor_split")
def tensor_split(input: Tensor, tensor_indices_or_sections: Any = None, dim: int = 0, sections: Any = None,
                 indices: Any = None) -> tuple:
    # PyTorch's overloads name the second argument sections, indices or tensor_indices_or_sections
    indices_or_sections = next(v for v in (tensor_indices_or_sections, sections, indices, 1) if v is not None)
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        spec = spec._data.tolist()
    if isinstance(spec, int):
        if spec <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {spec}")
        size, extra = divmod(n, spec)
        bounds, lo = [], 0
        for i in range(spec):
            hi = lo + size + (1 if i < extra else 0)
            bounds.append((lo, hi))
            lo = hi
    else:
        cuts = [0, *spec, n]
        bounds = [(lo, hi) for lo, hi in itertools.pairwise(cuts)]
    return tuple(slice_dim(input, d, min(lo, n), max(min(hi, n), min(lo, n)), 1) for lo, hi in bounds)


def _directional_split(input: Tensor, spec: Any, dim: int, name: str, need: int) -> tuple:
    nd = input._data.ndim
    if nd < need:
        raise RuntimeError(
            f"torch.{name} requires a tensor with at least {need} dimension, but got a tensor with {nd} dimensions!")
    if isinstance(spec, int) and input._data.shape[dim] % spec:
        raise RuntimeError(
            f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
            f"{input._data.shape[dim]} is not divisible by the split_size {spec}!")
    return tensor_split(input, spec, dim)


@op("hsplit")
def hsplit(input: Tensor, sections: Any = None, indices: Any = None) -> tuple:
    return _directional_split(input, indices if sections is None else sections, 1 if input._data.ndim > 1 else 0, "hsplit", 1)


@op("vsplit")
def vsplit(input: Tensor, sections: Any = None, indices: Any = None) -> tuple:
    return _directional_split(input, indices if sections is None else sections, 0, "vsplit", 2)


@op("dsplit")
def dsplit(input: Tensor, sections: Any = None, indices: Any = None) -> tuple:
    return _directional_split(input, indices if sections is None else sections, 2, "dsplit", 3)


@op("split_with_sizes")
def split_with_sizes(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple:
    return views.split(input, list(split_sizes), dim)


def _unsafe(pieces: tuple, input: Tensor) -> tuple:
    """unsafe_split/unsafe_chunk: the pieces as new tensors with one UnsafeSplitBackward0 node."""
    outs = tuple(result(p._data.copy(), p.dtype) for p in pieces)
    node = pieces[0]._grad_fn if pieces else None
    if node is not None and needs_grad(input):
        unsafe = node_class("UnsafeSplitBackward0")(node.next_functions)
        unsafe.fn, unsafe.kept, unsafe.n_out = node.apply, (), len(outs)
        for i, o in enumerate(outs):
            attach(o, unsafe, i)
    return outs


@op("unsafe_split")
def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:
    return _unsafe(views.split(input, split_size, dim), input)


@op("unsafe_chunk")
def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    return _unsafe(views.chunk(input, chunks, dim), input)


@op("meshgrid", method=False)
def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple:
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    items = list(tensors)
    swap = indexing == "xy" and len(items) >= 2
    if swap:
        items[0], items[1] = items[1], items[0]
    shape = tuple(t._data.size for t in items)
    grids = []
    for i, t in enumerate(items):
        view_shape = [1] * len(items)
        view_shape[i] = -1
        grids.append(views.expand(views.view(t, view_shape), tuple(shape)))
    if swap:  # "xy": the first two inputs swapped for the "ij" grid, and the outputs swapped back
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


@op("block_diag", method=False)
def block_diag(*tensors: Any) -> Tensor:
    mats = [t.reshape(1, -1) if t._data.ndim == 1 else t.reshape(1, 1) if t._data.ndim == 0 else t for t in tensors]
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t._data.ndim} dimensions")
    dt = mats[0].dtype
    for m in mats[1:]:
        dt = dtypes.promote_types(dt, m.dtype)
    rows = sum(m._data.shape[0] for m in mats)
    cols = sum(m._data.shape[1] for m in mats)
    data = np.zeros((rows, cols), dt.np)
    spans, r, c = [], 0, 0
    for m in mats:
        h, w = m._data.shape
        data[r:r + h, c:c + w] = m._data
        spans.append((r, c, h, w))
        r, c = r + h, c + w
    out = result(data, dt)

    def backward(grads: list) -> tuple:
        g = grads[0]
        parts = []
        for (r0, c0, h, w), t in zip(spans, tensors):
            piece = g[r0:r0 + h, c0:c0 + w]
            differentiable = t.dtype.is_floating_point or t.dtype.is_complex
            if differentiable and piece.dtype.is_complex and not t.dtype.is_complex:
                piece = piece.real  # a real block of a complex result takes the real part, as PyTorch's backward
            parts.append(piece.reshape(t._data.shape).to(t.dtype) if differentiable else None)
        return tuple(parts)

    record(out, "BlockDiagBackward0", tensors, backward)
    return out


@op("cartesian_prod", method=False)
def cartesian_prod(*tensors: Any) -> Tensor:
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


@op("combinations")
def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input._data.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    n = input._data.shape[0]
    picker = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    chosen = np.array(list(picker(range(n), r)), dtype=np.int64).reshape(-1, r)
    if r == 0:
        return result(np.zeros(0, input._data.dtype), input.dtype)
    return stack([input.index_select(0, long(chosen[:, i])) for i in range(r)], 1)


# ----- the *_scatter ops: src written into a copy of input at a view's place -----------------------

def _scatter_into(input: Tensor, src: Tensor, place: Callable, name: str) -> Tensor:
    data = input._data.copy()
    positions = np.arange(data.size).reshape(data.shape)
    where = place(Tensor._wrap(positions, dtypes.int64))._data
    if where.shape != src._data.shape:
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = {list(src._data.shape)}, slice "
            f"size = {list(where.shape)}")
    data.reshape(-1)[where.reshape(-1)] = src._data.reshape(-1)
    out = result(data, input.dtype)

    def backward(grads: list) -> tuple:
        g = grads[0]
        g_src = place(g)
        g_input = _scatter_into(g, src.new_zeros(src._data.shape).to(g.dtype), place, name)
        return g_input, (g_src.contiguous() if g_src._data.shape == src._data.shape else g_src)

    record(out, name, (input, src), backward)
    return out


@op("select_scatter")
def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    return _scatter_into(input, src, lambda b: views.select(b, dim, index), "SelectScatterBackward0")


@op("slice_scatter")
def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: Any = None, end: Any = None,
                  step: int = 1) -> Tensor:
    return _scatter_into(input, src, lambda b: slice_dim(b, dim, start, end, step), "SliceScatterBackward0")


@op("diagonal_scatter")
def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    return _scatter_into(input, src, lambda b: views.diagonal(b, offset, dim1, dim2), "DiagonalScatterBackward0")


op("as_strided_scatter")(storage.as_strided_scatter)


# ----- repeat_interleave / sum_to_size (constant_pad_nd: ops/padding.py) ------------------------------------------

@op("repeat_interleave")
def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    if repeats is None:  # torch.repeat_interleave(counts): each index repeated its count times
        counts = input._data.reshape(-1)
        if input._data.ndim > 1 or input.dtype.category != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if (counts < 0).any():
            raise RuntimeError("repeats can not be negative")
        return long(np.repeat(np.arange(counts.size), counts))
    x = views.reshape(input, (-1,)) if dim is None else input
    d = 0 if dim is None else wrap_dim(dim, input._data.ndim)
    if isinstance(repeats, Tensor) and repeats._data.size != 1:
        counts = repeats._data.reshape(-1)
        if counts.size != x._data.shape[d]:
            raise RuntimeError("repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{counts.size} and input.size({d}) = {x._data.shape[d]}")
        return x.index_select(d, long(np.repeat(np.arange(counts.size), counts)))
    times = int(repeats.item() if isinstance(repeats, Tensor) else repeats)
    if times < 0:
        raise RuntimeError("repeats can not be negative")
    if x._data.ndim == 0:
        x = views.reshape(x, (1,))
    # PyTorch's composition: a new axis after d, expanded, copied, viewed flat
    shape = list(x._data.shape)
    spread = views.expand(views.unsqueeze(x, d + 1), tuple(shape[:d + 1] + [times] + shape[d + 1:])).contiguous()
    shape[d] *= times
    return views.view(spread, shape)


@op("sum_to_size", function=False)
def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list, Size)) else tuple(size)
    shape = input._data.shape
    try:
        if np.broadcast_shapes(size, shape) != shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.") from None
    if not shape:  # PyTorch's sum_to sums a 0-d tensor all the same (SumBackward0, bool -> int64)
        return input.sum()
    if size == shape:
        return input
    return sum_to(input, size)


@op("zero_", method=False)
def zero_function(input: Tensor) -> Tensor:
    return input.zero_()


@op("fill", method=False)
def fill(input: Tensor, value: Any) -> Tensor:
    v = value._data if isinstance(value, Tensor) else value
    out = result(np.full(input._data.shape, v, dtype=input._data.dtype), input.dtype)
    if isinstance(value, Tensor):
        record(out, "FillBackward1", (input, value), lambda grads: (grads[0] * 0, grads[0].sum()))
    else:
        record(out, "FillBackward0", (input,), lambda grads: (grads[0] * 0,))
    return out


@op("scalar_tensor", method=False)
def scalar_tensor(s: Any, **options: Any) -> Tensor:  # dtype, requires_grad, ... by keyword, as recorded
    dtype, requires_grad = options.get("dtype"), options.get("requires_grad", False)
    dt = dtype or dtypes.get_default_dtype()
    value = s.item() if isinstance(s, Tensor) else s
    out = result(np.array(value).astype(dt.np), dt)
    return out.requires_grad_() if requires_grad else out


@op("empty_strided", method=False)
def empty_strided(size: Any, stride: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,
                  requires_grad: bool = False, pin_memory: Any = None) -> Tensor:
    return creation.zeros(tuple(size), dtype=dtype, requires_grad=requires_grad)


@op("new_empty_strided", function=False)
def new_empty_strided(input: Tensor, size: Any, stride: Any, *, dtype: Any = None, layout: Any = None,
                      device: Any = None, requires_grad: bool = False, pin_memory: Any = None) -> Tensor:
    return creation.zeros(tuple(size), dtype=dtype or input.dtype, requires_grad=requires_grad)


def _resize(t: Tensor, size: tuple) -> Tensor:
    if t._rg:
        raise RuntimeError("cannot resize variables that require grad")
    n = int(np.prod(size, dtype=np.int64))
    flat = t._data.reshape(-1)
    if n > flat.size:  # the new places hold whatever the storage held: zeros here
        flat = np.concatenate([flat, np.zeros(n - flat.size, flat.dtype)])
    t._data = np.ascontiguousarray(flat[:n]).reshape(size)
    t._vc[0] += 1
    note(t)
    return t


@op("resize_", function=False)
def resize_(input: Tensor, *size: Any, memory_format: Any = None) -> Tensor:
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list, Size)) else tuple(size)
    return _resize(input, size)


def _resize_as_method(input: Tensor, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
    return _resize(input, the_template._data.shape)


@op("resize_as_", method=_resize_as_method)
def resize_as_(input: Tensor, the_template: Tensor, **memory_format: Any) -> Tensor:
    return _resize(input, the_template._data.shape)
