"""The in-place view ops: transpose_, swapaxes_, swapdims_, t_, squeeze_, unsqueeze_.

They change the tensor's geometry, not its values: the tensor becomes its own transposed (squeezed,
unsqueezed) view, its version moves on, and its grad_fn becomes the view op's node under PyTorch's in-place
name (TransposeBackward1, TBackward1, SqueezeBackward3/4/5, UnsqueezeBackward1), chained to the old grad_fn.
A view stays a view of its base (its replay function gains the new step).
Known differences: PyTorch leaves retain_grad() on the old node (z.grad then gets the pre-transpose
gradient); gradsh's retained gradient follows only the tensor's current node, so z.grad stays None. And a
view taken of a tensor that is not itself a view, before that tensor's transpose_ (or t_, squeeze_, ...),
replays against the new geometry in backward (PyTorch replays on the storage): a wrong region or an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..changes import note
from ..grad_mode import state
from ..registry import op
from ..tensor import Tensor
from . import views as V
from .inplace import LEAF_MESSAGE, VIEW_OF_LEAF_MESSAGE


class TransposeBackward1(V.TransposeBackward0):
    __slots__ = ()


class TBackward1(V.TBackward0):
    __slots__ = ()


class SqueezeBackward3(V.SqueezeBackward0):
    __slots__ = ()


class SqueezeBackward4(V.SqueezeBackward0):
    __slots__ = ()


class SqueezeBackward5(V.SqueezeBackward0):
    __slots__ = ()


class UnsqueezeBackward1(V.UnsqueezeBackward0):
    __slots__ = ()


# the out-of-place node -> its in-place twin (same slots, so the recorded node is relabelled in place)
_INPLACE_NODE = {
    V.TransposeBackward0: TransposeBackward1,
    V.TBackward0: TBackward1,
    V.SqueezeBackward0: SqueezeBackward3,
    V.SqueezeBackward1: SqueezeBackward4,
    V.SqueezeBackward2: SqueezeBackward5,
    V.UnsqueezeBackward0: UnsqueezeBackward1,
}


def _refuse_leaf(t: Tensor) -> None:
    """PyTorch's first check, before the op's own argument checks."""
    if state.recording and t._rg:
        if t._base is None and t._grad_fn is None:
            raise RuntimeError(LEAF_MESSAGE)
        if t._base is not None and t._base._grad_fn is None and t._base._rg:
            raise RuntimeError(VIEW_OF_LEAF_MESSAGE)


def _restride(t: Tensor, view: Callable[..., Tensor], *args: Any) -> Tensor:
    """Make `t` the view `view(t, *args)` of itself."""
    _refuse_leaf(t)
    out = view(t, *args)  # checks the dims and records the out-of-place node
    node = out._grad_fn
    if node is not None:
        node.__class__ = _INPLACE_NODE[type(node)]
        t._grad_fn, t._output_nr = node, 0
    t._data = out._data
    if t._base is not None:
        t._view_fn = out._view_fn
    t._vc[0] += 1
    t._attr_version = t._vc[0]
    note(t)
    return t


@op("transpose_", function=False)
def transpose_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return _restride(input, V.transpose, dim0, dim1)


@op("swapaxes_", function=False)
def swapaxes_(input: Tensor, axis0: int, axis1: int) -> Tensor:
    return _restride(input, V.transpose, axis0, axis1)


@op("swapdims_", function=False)
def swapdims_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return _restride(input, V.transpose, dim0, dim1)


@op("t_", function=False)
def t_(input: Tensor) -> Tensor:
    _refuse_leaf(input)
    if input._data.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return _restride(input, V.t)


@op("squeeze_", function=False)
def squeeze_(input: Tensor, dim: Any = None) -> Tensor:
    return _restride(input, V.squeeze, dim)


@op("unsqueeze_", function=False)
def unsqueeze_(input: Tensor, dim: int) -> Tensor:
    return _restride(input, V.unsqueeze, dim)
