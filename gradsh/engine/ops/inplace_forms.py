"""In-place forms that are not simply "the out-of-place op, written back" (PyTorch's `eq_`, `squeeze_`, ...).

- Comparisons in place write 1/0 in the target's dtype and, unlike their out-of-place forms, are recorded:
  `a.eq_(2.)` on a float tensor that requires grad gets EqBackward0 (EqBackward1 for a tensor `other`),
  whose gradient is zeros.
- as_strided_ changes the tensor's geometry, not its values: the tensor takes the strided view's shape
  and node, under PyTorch's in-place name AsStridedBackward1, and its version moves on by one
  (transpose_, squeeze_ and the other in-place view ops are ops/inplace_views.py).

This module imports no op module at its top, so the op modules can import it for their declarations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..changes import note
from ..grad_mode import state
from ..graph import Node, edge
from ..tensor import Tensor
from ._core import attach, promote2


def in_place(forward: Callable, name: str | None = None) -> Callable:
    """The in-place method that runs `forward` through apply_inplace (checks, version, graph rebase)."""

    def method(t: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        from .inplace import apply_inplace  # cycle: ops/inplace imports the elementwise ops

        return apply_inplace(t, forward, *args, **kwargs)

    method.__name__ = method.__qualname__ = name or forward.__name__ + "_"
    return method


def unrecorded_in_place(forward: Callable, name: str | None = None) -> Callable:
    """The in-place method of an op PyTorch never differentiates (logical_and_, ...): it writes and moves the
    version on, with none of the in-place checks (a leaf that requires grad is allowed) and no graph change."""

    def method(t: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        from .inplace import write_result  # cycle: ops/inplace imports the elementwise ops

        write_result(t, forward(t, *args, **kwargs))
        return t

    method.__name__ = method.__qualname__ = name or forward.__name__ + "_"
    return method


class _ZeroGradient(Node):
    """A recorded op whose gradient is zero for every input (comparisons written in place)."""

    __slots__ = ("metas",)

    def apply(self, grads: list) -> tuple:
        return tuple(None if meta is None else Tensor._wrap(np.zeros(meta[0], meta[1].np), meta[1])
                     for meta in self.metas)


_ZERO_NODES: dict[str, type] = {}


def _zero_node(name: str) -> type:
    cls = _ZERO_NODES.get(name)
    if cls is None:
        cls = _ZERO_NODES[name] = type(name, (_ZeroGradient,), {"__slots__": ()})
    return cls


def recorded_comparison(compare: Callable) -> Callable:
    """`compare`'s in-place forward: the boolean result, recorded as PyTorch records `eq_` and its kin."""
    stem = compare.__name__.capitalize()

    def forward(input: Tensor, other: Any) -> Tensor:
        out = compare(input, other)
        other_rg = isinstance(other, Tensor) and other._rg
        if state.recording and (input._rg or other_rg):
            meta = (input._data.shape, input.dtype) if input._rg else None
            if isinstance(other, Tensor):  # eq_.Tensor: EqBackward1, with an edge to `other`
                node = _zero_node(f"{stem}Backward1")((edge(input), edge(other)))
                node.metas = (meta, (other._data.shape, other.dtype) if other_rg else None)
            else:  # eq_.Scalar: EqBackward0
                node = _zero_node(f"{stem}Backward0")((edge(input),))
                node.metas = (meta,)
            attach(out, node)
        return out

    forward.__name__ = compare.__name__
    return forward


def tensor_other(forward: Callable) -> Callable:
    """The in-place logical ops take only a tensor `other` (PyTorch's Tensor.logical_and_ signature)."""

    def checked(input: Tensor, other: Any) -> Tensor:
        if not isinstance(other, Tensor):
            raise TypeError(
                f"{forward.__name__}_(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        return forward(input, other)

    checked.__name__ = forward.__name__
    return checked


# ----- shape changes in place -------------------------------------------------------------------------

_RENAMED: dict[tuple[type, str], type] = {}


def _renamed(node: Node, name: str) -> Node:
    """The out-of-place view's node under the in-place op's PyTorch name (same gradient)."""
    key = (type(node), name)
    cls = _RENAMED.get(key)
    if cls is None:
        cls = _RENAMED[key] = type(name, (type(node),), {"__slots__": ()})
    node.__class__ = cls
    return node


def _writable_alias(view: np.ndarray, memory: np.ndarray) -> np.ndarray:
    """`view` (a read-only strided window on the contiguous `memory`) as a window that can be written."""
    flat = memory.reshape(-1)
    start = (view.__array_interface__["data"][0] - flat.__array_interface__["data"][0]) // flat.itemsize
    return np.lib.stride_tricks.as_strided(flat[start:], view.shape, view.strides, writeable=True)


def metadata_inplace(view_op: Callable, node_name: Callable[..., str], name: str) -> Callable:
    """An in-place method that gives the tensor `view_op`'s shape (and node), keeping its memory."""

    def method(t: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        from .inplace import LEAF_MESSAGE, VIEW_OF_LEAF_MESSAGE  # cycle: ops/inplace imports the elementwise ops

        base = t._base
        if state.recording:
            if base is not None and base._grad_fn is None and (t._rg or base._rg):
                raise RuntimeError(VIEW_OF_LEAF_MESSAGE)
            if base is None and t._grad_fn is None and t._rg:
                raise RuntimeError(LEAF_MESSAGE)
        if base is None:  # a root keeps its storage: its offset and strides stay relative to that memory
            from .storage import remember_storage  # cycle: ops/storage imports the view ops

            remember_storage(t)
        view = view_op(t, *args, **kwargs)
        node = view._grad_fn if view._grad_fn is not t._grad_fn else None
        data = view._data
        if not data.flags.writeable and t._data.flags.writeable and data.size and t._data.flags.c_contiguous:
            data = _writable_alias(data, t._data)
        t._data = data
        if base is not None:
            t._view_fn = view._view_fn
        if node is not None:
            t._grad_fn = _renamed(node, node_name(*args, **kwargs))
            t._output_nr = 0
        t._vc[0] += 1
        t._attr_version = t._vc[0]
        note(t)
        return t

    method.__name__ = method.__qualname__ = name
    return method


# PyTorch's C++ names for dtypes, as its "Bad in-place call" message prints them
_CPP_NAMES = {
    "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
    "float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16", "bool": "bool",
    "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
}


def _cpp_name(dt: Any) -> str:
    short = str(dt).removeprefix("torch.")
    return _CPP_NAMES.get(short, short)


def result_matches_target(forward: Callable) -> Callable:
    """In-place forms PyTorch runs as `op.out(self, ..., out=self)`: the result may not broadcast into
    the target, and a `dtype=` must be the target's ("Bad in-place call")."""

    def checked(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        dtype = kwargs.get("dtype")
        if dtype is not None and dtype is not input.dtype:
            raise RuntimeError(
                f"Bad in-place call: input tensor dtype {_cpp_name(input.dtype)} and output tensor dtype "
                f"{_cpp_name(dtype)} should match")
        out = forward(input, *args, **kwargs)
        if out._data.shape != input._data.shape:
            raise RuntimeError(
                f"Bad in-place call: input tensor size {list(input._data.shape)} and output tensor size "
                f"{list(out._data.shape)} should match")
        return out

    checked.__name__ = forward.__name__
    return checked


def castable_first(forward: Callable) -> Callable:
    """In place, PyTorch refuses a result type the target cannot hold before the kernel's own dtype
    check (`int_t.bitwise_and_(float_t)` names the cast, not the missing float kernel)."""

    def checked(input: Tensor, other: Any) -> Tensor:
        dt = promote2(input, other)[2]
        if dt.category > input.dtype.category:
            raise RuntimeError(
                f"result type {dt.scalar_name} can't be cast to the desired output type {input.dtype.scalar_name}")
        return forward(input, other)

    checked.__name__ = forward.__name__
    return checked
