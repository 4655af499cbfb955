"""What the structural op families share: nodes named as PyTorch names them, and index-map ops.

Most shape, sorting and scatter ops move elements without arithmetic. Their forward is a numpy
function applied to the element positions (`arange`), which gives, for every output element, the
input element it comes from; the backward scatters the gradient back to those positions (`embed`,
itself differentiable, so create_graph works). One mechanism gives flip, roll, rot90, tile, tril,
diag_embed, as_strided, unfold, take, ... their values and gradients.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import no_grad, state
from ..graph import Node, edge
from ..out_arg import check_out, write_out
from ..tensor import Tensor, _wrap_dim
from ._core import attach, result, save, save_output, unpack
from .indexing import embed

NO_EDGE = (None, 0)


class _Formula(Node):
    """A node whose backward is `fn(grads, *saved)`, written with Tensor ops (create_graph works)."""

    __slots__ = ("fn", "kept", "n_out")
    saved = ("kept",)

    @property
    def n_outputs(self) -> int:  # type: ignore[override]
        return self.n_out

    def apply(self, grads: list) -> tuple:
        kept = self.kept or ()
        return self.fn(grads, *[unpack(k, self) for k in kept])


_classes: dict[str, type] = {}


def node_class(name: str) -> type:
    """A Node subclass carrying PyTorch's node name (grad_fn's class name is what users see)."""
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(name, (_Formula,), {"__slots__": ()})
    return cls


def needs_grad(*inputs: Any) -> bool:
    return state.recording and any(isinstance(t, Tensor) and t._rg for t in inputs)


def record(outs: Tensor | Sequence[Tensor], name: str, inputs: Sequence[Any], fn: Callable,
           keep: Sequence[Any] = (), keep_output: bool = False) -> None:
    """Attach node `name` to the differentiable outputs when an input requires grad.

    `fn(grads, *kept)` returns one gradient per entry of `inputs` (None where an input is not a tensor
    or needs none); `keep` are tensors saved for backward (checked against in-place changes), then the
    first output when `keep_output`.
    """
    if not needs_grad(*inputs):
        return
    edges = tuple(edge(t) if isinstance(t, Tensor) else NO_EDGE for t in inputs)
    node = node_class(name)(edges)
    node.fn, node.kept = fn, tuple(save(k) for k in keep)
    many = not isinstance(outs, Tensor)
    if keep_output:
        node.kept += (save_output(outs[0] if many else outs),)
    node.n_out = len(outs) if many else 1
    for i, out in enumerate(outs if many else (outs,)):
        if out is not None and (out.dtype.is_floating_point or out.dtype.is_complex):
            attach(out, node, i)


def zeros_grad(like: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros(like._data.shape, like._data.dtype), like.dtype)


# ----- index-map ops ------------------------------------------------------------------------------

def positions(shape: tuple) -> np.ndarray:
    """1 + the flat index of every element (0 is left free to mean 'no source': a filled zero)."""
    return np.arange(1, int(np.prod(shape, dtype=np.int64)) + 1, dtype=np.int64).reshape(shape)


def gather_by_map(x: Tensor, source: np.ndarray, name: str, fill: Any = 0) -> Tensor:
    """out[i] = x.flat[source[i] - 1], or `fill` where source[i] == 0; node `name` scatters the gradient back."""
    source = np.asarray(source)
    flat = x._data.reshape(-1)
    valid = source != 0
    if valid.all():
        data = flat[source - 1]
    else:
        data = np.full(source.shape, fill, x._data.dtype)
        data[valid] = flat[source[valid] - 1]
    out = result(data, x.dtype)
    if needs_grad(x):
        shape, size = x._data.shape, x._data.size
        where_valid = np.flatnonzero(valid)
        to = source.reshape(-1)[where_valid] - 1
        everything = where_valid.size == source.size

        def backward(grads: list) -> tuple:
            g = grads[0].reshape(-1)
            if not everything:
                g = g[where_valid]
            return (embed(g, (size,), (to,)).reshape(shape),)

        record(out, name, (x,), backward)
    return out


def scatter_to_view(g: Tensor, base_shape: tuple, view_fn: Callable) -> Tensor:
    """Zeros of the base's shape with g added where `view_fn` takes its elements (overlaps accumulate)."""
    size = int(np.prod(base_shape, dtype=np.int64))
    with no_grad():
        where = view_fn(long(np.arange(size).reshape(base_shape)))._data.reshape(-1)
    return embed(g.reshape(-1), (size,), (where,)).reshape(base_shape)


def mapped(x: Tensor, fn: Callable[[np.ndarray], np.ndarray], name: str) -> Tensor:
    """Apply a numpy element-moving function `fn` to x through its position map."""
    return gather_by_map(x, fn(positions(x._data.shape)), name)


def wrap_dim(dim: int, ndim: int) -> int:
    return _wrap_dim(dim, max(ndim, 1))


def long(data: Any) -> Tensor:
    return Tensor._wrap(np.asarray(data, dtype=np.int64), dtypes.int64)


def dtype_name(t: Tensor) -> str:
    return t.dtype.scalar_name


def with_tuple_out(name: str, forward: Callable) -> Callable:
    """The torch.* function of a multi-output op: PyTorch's keyword-only `out=` takes a tuple of tensors."""

    def function(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        found = forward(*args, **kwargs)
        if out is None:
            return found
        if not isinstance(out, (tuple, list)) or len(out) != len(found):
            raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not {type(out).__name__}")
        inputs = tuple(a for a in args if isinstance(a, Tensor))
        targets = [check_out(name, o, inputs) for o in out]
        for target, value in zip(targets, found):
            write_out(target, value)
        return type(found)(targets) if not hasattr(type(found), "values") else type(found)(*targets)

    signature = inspect.signature(forward)
    params = [*signature.parameters.values(), inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)]
    function.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    function.__name__ = function.__qualname__ = forward.__name__
    function.__doc__ = forward.__doc__
    return function
