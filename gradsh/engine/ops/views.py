"""View operations: results share the input's memory and version counter.

A view remembers its root base and how to take it again from that base (`_view_fn`), which
an in-place change through the view needs (CopySlices). Views taken while nothing records,
from a base that requires grad, report requires_grad=True and are poisoned by later in-place
changes (spec/semantics.md §12.5).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op, tensor_property
from ..tensor import Tensor, _wrap_dim
from ._core import sum_to
from .conversion import CloneBackward0

_new = object.__new__


def make_view(x: Tensor, data: np.ndarray, node: Node | None, view_fn: Callable) -> Tensor:
    """Wrap `data` (a numpy view of x's data) as a view of x; `node` is built only when recording."""
    out = Tensor._wrap(data, x.dtype)
    base = x._base
    if base is None:
        out._base = x
        out._view_fn = view_fn
    else:
        out._base = base
        parent_fn = x._view_fn
        out._view_fn = lambda b: view_fn(parent_fn(b))
    out._vc = x._vc
    out._attr_version = x._vc[0]  # the node is stale once the shared version moves on
    out._inference = x._inference
    if node is not None:
        out._rg = True
        out._grad_fn = node
    elif out._base._rg:
        # a view without a node requires grad through its root base only (DifferentiableViewMeta::requires_grad):
        # not through a parent view's node or flag
        out._rg = True
    # PyTorch's CreationMeta: set when nothing records; inherited from a parent view (inference wins).
    # Inference tensors have no autograd metadata at all.
    parent = x._extra.view_kind if x._extra is not None else None
    if not state.recording:
        if not x._inference:
            out._x().view_kind = "inference" if state.inference or parent == "inference" else "no_grad"
    elif parent is not None:
        out._x().view_kind = parent
    return out


def _recording(x: Tensor) -> bool:
    return state.recording and x._rg


# ----- reshaping ----------------------------------------------------------------------------------

class ViewBackward0(Node):
    __slots__ = ("shape",)

    def apply(self, grads: list) -> tuple:
        return (grads[0].reshape(self.shape),)


class UnsafeViewBackward0(ViewBackward0):
    __slots__ = ()


class ReshapeAliasBackward0(ViewBackward0):
    """reshape of a non-contiguous tensor that can still be a view (PyTorch's _reshape_alias)."""

    __slots__ = ()


def _infer_shape(shape: tuple, numel: int) -> tuple:
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    total = 1
    for s in shape:
        total *= s
    if total != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _shape_args(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return shape


@op("view", function=False)
def view(input: Tensor, size: Any, *more: Any) -> Tensor:
    shape = (size, *more)  # PyTorch's int-list parameters also take the ints as separate arguments
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)) and hasattr(shape[0], "is_floating_point"):
        return input.to(shape[0])
    shape = _infer_shape(_shape_args(shape), input._data.size)
    try:
        data = input._data.view()
        data.shape = shape  # raises instead of copying when the memory does not allow a view
    except AttributeError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
            "two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    node = None
    if _recording(input):
        node = ViewBackward0((edge(input),))
        node.shape = input._data.shape
    return make_view(input, data, node, lambda b: b.view(shape))


@op("reshape")
def reshape(input: Tensor, shape: Any, *more: Any) -> Tensor:
    shape = _infer_shape(_shape_args((shape, *more)), input._data.size)
    try:
        data = input._data.view()
        data.shape = shape
    except AttributeError:
        data = None
    if data is not None:
        node = None
        if _recording(input):
            node = (ViewBackward0 if input._data.flags.c_contiguous else ReshapeAliasBackward0)((edge(input),))
            node.shape = input._data.shape
        return make_view(input, data, node, lambda b: b.reshape(shape))
    out = Tensor._wrap(np.reshape(input._data, shape).copy(), input.dtype)
    if _recording(input):
        # PyTorch copies with _unsafe_view(x.clone(), shape): CloneBackward0 under UnsafeViewBackward0
        node = UnsafeViewBackward0(((CloneBackward0((edge(input),)), 0),))
        node.shape = input._data.shape
        out._grad_fn = node
        out._rg = True
    return out


@op("view_as", function=False)
def view_as(x: Tensor, other: Tensor) -> Tensor:
    return view(x, other._data.shape)


@op("reshape_as", function=False)
def reshape_as(x: Tensor, other: Tensor) -> Tensor:
    return reshape(x, other._data.shape)


@op("flatten")
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shape = input._data.shape
    if not shape:
        return reshape(input, (1,))
    s, e = _wrap_dim(start_dim, len(shape)), _wrap_dim(end_dim, len(shape))
    if s == e:
        return input
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


@op("unflatten")
def unflatten(input: Tensor, dim: int, sizes: Any) -> Tensor:
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    sizes = _infer_shape(tuple(sizes), shape[d])
    return view(input, shape[:d] + sizes + shape[d + 1:])


class UnsqueezeBackward0(Node):
    __slots__ = ("dim",)

    def apply(self, grads: list) -> tuple:
        return (grads[0].squeeze(self.dim),)


@op("unsqueeze")
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    d = _wrap_dim(dim, input._data.ndim + 1)
    data = np.expand_dims(input._data, d)
    node = None
    if _recording(input):
        node = UnsqueezeBackward0((edge(input),))
        node.dim = d
    return make_view(input, data, node, lambda b: b.unsqueeze(d))


class SqueezeBackward0(Node):
    __slots__ = ("shape",)

    def apply(self, grads: list) -> tuple:
        return (grads[0].reshape(self.shape),)


class SqueezeBackward1(SqueezeBackward0):
    __slots__ = ()


class SqueezeBackward2(SqueezeBackward0):
    __slots__ = ()


@op("squeeze")
def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    shape = input._data.shape
    if dim is None:
        axes = tuple(i for i, s in enumerate(shape) if s == 1)
        cls = SqueezeBackward0
    elif isinstance(dim, (tuple, list)):
        axes = tuple(d for d in (_wrap_dim(d, len(shape)) for d in dim) if shape and shape[d] == 1)
        cls = SqueezeBackward2
    else:
        d = _wrap_dim(dim, len(shape))
        axes = (d,) if shape and shape[d] == 1 else ()
        cls = SqueezeBackward1
    data = np.squeeze(input._data, axis=axes) if axes else input._data.view()
    node = None
    if _recording(input):
        node = cls((edge(input),))
        node.shape = shape
    return make_view(input, data, node, lambda b: b.squeeze(dim))


# ----- transposes ---------------------------------------------------------------------------------

class PermuteBackward0(Node):
    __slots__ = ("dims",)

    def apply(self, grads: list) -> tuple:
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        return (grads[0].permute(inverse),)


@op("permute")
def permute(input: Tensor, dims: Any, *more: Any) -> Tensor:
    dims = tuple(_wrap_dim(d, input._data.ndim) for d in _shape_args((dims, *more)))
    if len(dims) != input._data.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {input._data.ndim} is not equal to len(dims) = {len(dims)}"
        )
    data = np.transpose(input._data, dims)
    node = None
    if _recording(input):
        node = PermuteBackward0((edge(input),))
        node.dims = dims
    return make_view(input, data, node, lambda b: b.permute(dims))


class TransposeBackward0(Node):
    __slots__ = ("d0", "d1")

    def apply(self, grads: list) -> tuple:
        return (grads[0].transpose(self.d0, self.d1),)


@op("transpose")
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    n = input._data.ndim
    d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    data = np.swapaxes(input._data, d0, d1) if n else input._data.view()
    node = None
    if _recording(input):
        node = TransposeBackward0((edge(input),))
        node.d0, node.d1 = d0, d1
    return make_view(input, data, node, lambda b: b.transpose(d0, d1))



@op("swapaxes")
def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """numpy's name for transpose, with numpy's parameter names."""
    return transpose(input, axis0, axis1)


@op("swapdims")
def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return transpose(input, dim0, dim1)

class TBackward0(Node):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        return (grads[0].t(),)


@op("t")
def t(input: Tensor) -> Tensor:
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    data = input._data.T
    node = TBackward0((edge(input),)) if _recording(input) else None
    return make_view(input, data, node, lambda b: b.t())


def T(x: Tensor) -> Tensor:
    n = x._data.ndim
    return permute(x, tuple(range(n - 1, -1, -1)))


def mT(x: Tensor) -> Tensor:
    return transpose(x, -2, -1)


# ----- expand -------------------------------------------------------------------------------------

class ExpandBackward0(Node):
    __slots__ = ("shape",)

    def apply(self, grads: list) -> tuple:
        return (sum_to(grads[0], self.shape),)


@op("expand", function=False)
def expand(input: Tensor, size: Any, *more: Any) -> Tensor:
    sizes = _shape_args((size, *more))
    shape = input._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the number of sizes provided "
            f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    target = tuple(shape[i - lead] if s == -1 else int(s) for i, s in enumerate(sizes))
    try:
        data = np.broadcast_to(input._data, target)
    except ValueError:
        raise RuntimeError(
            f"The expanded size of the tensor ({target[-1]}) must match the existing size ({shape[-1]}) at "
            f"non-singleton dimension {len(target) - 1}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}"
        ) from None
    node = None
    if _recording(input):
        node = ExpandBackward0((edge(input),))
        node.shape = shape
    return make_view(input, data, node, lambda b: b.expand(target))


@op("expand_as", function=False)
def expand_as(x: Tensor, other: Tensor) -> Tensor:
    return expand(x, other._data.shape)


# ----- select / slice / narrow / alias ------------------------------------------------------------

class SelectBackward0(Node):
    __slots__ = ("dim", "index", "shape")

    def apply(self, grads: list) -> tuple:
        from .indexing import embed  # cycle: ops/indexing imports views

        key = (slice(None),) * self.dim + (self.index,)
        return (embed(grads[0], self.shape, key),)


class SliceBackward0(SelectBackward0):
    __slots__ = ()


@op("select")
def select(input: Tensor, dim: int, index: int) -> Tensor:
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, len(shape))
    size = shape[d]
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of bounds for dimension {d} with size {size}")
    index = index % size
    key = (slice(None),) * d + (index, Ellipsis)
    data = input._data[key]  # the Ellipsis keeps a 0-d result a view, not a numpy scalar
    node = None
    if _recording(input):
        node = SelectBackward0((edge(input),))
        node.shape, node.dim, node.index = shape, d, index
    return make_view(input, data, node, lambda b: select(b, d, index))


def slice_dim(x: Tensor, dim: int, start: Any, stop: Any, step: Any) -> Tensor:
    shape = x._data.shape
    d = _wrap_dim(dim, len(shape))
    if step is not None and step <= 0:
        raise ValueError("step must be greater than zero")
    sl = slice(*slice(start, stop, step).indices(shape[d]))
    key = (slice(None),) * d + (sl,)
    data = x._data[key]
    node = None
    if _recording(x):
        node = SliceBackward0((edge(x),))
        node.shape, node.dim, node.index = shape, d, sl
    return make_view(x, data, node, lambda b: slice_dim(b, d, sl.start, sl.stop, sl.step))


@op("narrow")
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    size = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    if start < 0:
        start += size
    return slice_dim(input, dim, start, start + length, 1)


class AliasBackward0(Node):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        return (grads[0],)


def alias(x: Tensor) -> Tensor:
    node = AliasBackward0((edge(x),)) if _recording(x) else None
    return make_view(x, x._data.view(), node, alias)


class AsStridedBackward0(Node):
    """The view's node after an in-place change through it or its base: gradient through the base's node."""

    __slots__ = ("base_shape", "view_fn")

    def apply(self, grads: list) -> tuple:
        from .indexing import embed_by_view  # cycle: ops/indexing imports views

        return (embed_by_view(grads[0], self.base_shape, self.view_fn),)


# ----- multi-output views -------------------------------------------------------------------------

class SplitBackward0(Node):
    __slots__ = ("bounds", "dim", "dtype", "n", "shape")

    @property
    def n_outputs(self) -> int:  # type: ignore[override]
        return self.n

    def apply(self, grads: list) -> tuple:
        from .joining import cat  # cycle: ops/joining imports views

        pieces = []
        for (lo, hi), g in zip(self.bounds, grads):
            if g is None:
                shape = list(self.shape)
                shape[self.dim] = hi - lo
                g = Tensor._wrap(np.zeros(shape, dtype=self.dtype.np), self.dtype)
            pieces.append(g)
        return (cat(pieces, self.dim),)


class SplitWithSizesBackward0(SplitBackward0):
    """split with a list of sizes (PyTorch's split_with_sizes)."""

    __slots__ = ()


class UnbindBackward0(Node):
    __slots__ = ("dim", "dtype", "n", "shape")

    @property
    def n_outputs(self) -> int:  # type: ignore[override]
        return self.n

    def apply(self, grads: list) -> tuple:
        from .joining import stack  # cycle: ops/joining imports views

        shape = list(self.shape)
        del shape[self.dim]
        pieces = [g if g is not None else Tensor._wrap(np.zeros(shape, dtype=self.dtype.np), self.dtype)
                  for g in grads]
        return (stack(pieces, self.dim),)


def _multi_views(x: Tensor, datas: list, node: Node | None, name: str, fns: list) -> tuple:
    outs = []
    recording = state.recording and not x._inference
    for i, (data, fn) in enumerate(zip(datas, fns)):
        out = make_view(x, data, None, fn)
        if node is not None:
            out._rg = True
            out._grad_fn = node
            out._output_nr = i
        if recording:
            extra = out._x()
            if extra.view_kind != "inference":
                extra.view_kind = "multi"
        outs.append(out)
    return tuple(outs)


def _split_method(self: Tensor, split_size: Any, dim: int = 0) -> tuple:
    """Tensor.split names its size argument split_size (torch.split: split_size_or_sections)."""
    return split(self, split_size, dim)


@op("split", method=_split_method)
def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    shape = tensor._data.shape
    d = _wrap_dim(dim, len(shape))
    size = shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        bounds = [(lo, min(lo + step, size)) for lo in range(0, size, step)] or [(0, 0)]
    else:
        bounds, lo = [], 0
        for n in split_size_or_sections:
            bounds.append((lo, lo + n))
            lo += n
        if lo != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension "
                f"{d}), but got split_sizes={list(split_size_or_sections)}"
            )
    key = (slice(None),) * d
    datas = [tensor._data[key + (slice(lo, hi),)] for lo, hi in bounds]
    node = None
    with_sizes = not isinstance(split_size_or_sections, int)
    if _recording(tensor):
        node = (SplitWithSizesBackward0 if with_sizes else SplitBackward0)((edge(tensor),))
        node.shape, node.dim, node.bounds, node.dtype, node.n = shape, d, bounds, tensor.dtype, len(bounds)
    fns = [lambda b, lo=lo, hi=hi: slice_dim(b, d, lo, hi, 1) for lo, hi in bounds]
    return _multi_views(tensor, datas, node, "SplitWithSizes" if with_sizes else "Split", fns)


@op("chunk")
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    size = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    step = max(1, -(-size // chunks))
    return split(input, step, dim)


@op("unbind")
def unbind(input: Tensor, dim: int = 0) -> tuple:
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    key = (slice(None),) * d
    datas = [input._data[key + (i, Ellipsis)] for i in range(shape[d])]
    node = None
    if _recording(input):
        node = UnbindBackward0((edge(input),))
        node.shape, node.dim, node.dtype, node.n = shape, d, input.dtype, shape[d]
    fns = [lambda b, i=i: select(b, d, i) for i in range(shape[d])]
    return _multi_views(input, datas, node, "Unbind", fns)


@op("movedim")
def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    n = input._data.ndim
    src = [_wrap_dim(s, n) for s in (source if isinstance(source, (tuple, list)) else [source])]
    dst = [_wrap_dim(s, n) for s in (destination if isinstance(destination, (tuple, list)) else [destination])]
    order = [i for i in range(n) if i not in src]
    for dd, s in sorted(zip(dst, src)):
        order.insert(dd, s)
    return permute(input, tuple(order))


@op("diagonal")
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    data = np.diagonal(input._data, offset, dim1, dim2)
    node = None
    if _recording(input):
        node = DiagonalBackward0((edge(input),))
        node.shape, node.args = input._data.shape, (offset, dim1, dim2)
    return make_view(input, data, node, lambda b: diagonal(b, offset, dim1, dim2))


class DiagonalBackward0(Node):
    __slots__ = ("args", "shape")

    def apply(self, grads: list) -> tuple:
        from .indexing import embed_by_view  # cycle: ops/indexing imports views

        return (embed_by_view(grads[0], self.shape, lambda b: diagonal(b, *self.args)),)


tensor_property("T", T)
tensor_property("mT", mT)
