"""In-place operations: PyTorch's checks, the version counter, and rebasing the graph.

An in-place op is its out-of-place op run on a snapshot of the target's old value, whose
result is written back into the target's memory; the recorded node then becomes the target's
grad_fn — or, for a view, the base's CopySlices (spec/semantics.md §8.2, §12).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..changes import note
from ..grad_mode import no_grad, state
from ..graph import NO_EDGE, Node, SavedTensor, SpecialNode, accumulator, edge
from ..hooks import retain_grad
from ..registry import DIRECT, op
from ..tensor import Tensor, view_rebase_message
from . import elementwise as ew
from ._core import attach, sum_to, to_tensor
from .indexing import _basic, _is_basic, _normalize_key, _to_index, apply_slicing, getitem
from .views import AsStridedBackward0, expand, view

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_MESSAGE = "a view of a leaf Variable that requires grad is being used in an in-place operation."
INFERENCE_MESSAGE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a normal "
    "tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more details."
)


class _ViewSlot(Node):
    """Stands for the view's old value in the node an in-place op on a view records (CopySlices' `fn`)."""

    __slots__ = ()


def _check(t: Tensor, others_rg: bool) -> None:
    """PyTorch's refusals (check_inplace), raised before anything is modified."""
    base = t._base
    if base is not None:
        if not (t._rg or others_rg or base._rg):
            return
        msg = view_rebase_message(t, False)
        if msg is not None:
            raise RuntimeError(msg)
        if base._grad_fn is None and (t._rg or base._rg):
            raise RuntimeError(VIEW_OF_LEAF_MESSAGE)
    if t._grad_fn is None and t._rg:
        raise RuntimeError(LEAF_MESSAGE)


def _snapshot(t: Tensor) -> Tensor:
    """The target's old value with its autograd identity, for the recorded node to see."""
    old = Tensor._wrap(t._data.copy(), t.dtype)
    if t._base is not None:
        old._grad_fn = _ViewSlot(())
        old._rg = True
    elif t._rg:
        old._grad_fn = t._grad_fn
        old._rg = True
        old._output_nr = t._output_nr
        if t._grad_fn is None:
            accumulator(t)
            old._accum = t._accum
            old._grad_fn = None
    return old


def write_result(t: Tensor, out: Tensor) -> None:
    """`out` written into t's memory (broadcast, cast-checked), the version moved on."""
    data = out._data
    if data.shape != t._data.shape:
        try:
            data = np.broadcast_to(data, t._data.shape)
        except ValueError:
            raise RuntimeError(
                f"output with shape {list(t._data.shape)} doesn't match the broadcast shape {list(data.shape)}"
            ) from None
    if out.dtype is not t.dtype and out.dtype.category > t.dtype.category:
        raise RuntimeError(
            f"result type {out.dtype.scalar_name} can't be cast to the desired output type {t.dtype.scalar_name}"
        )
    t._data[...] = data
    t._vc[0] += 1
    note(t)


# the ops whose untracked in-place form numpy can write directly (ops/elementwise is imported at the top now)
_UFUNCS = {ew.add: np.add, ew.sub: np.subtract, ew.mul: np.multiply, ew.div: np.true_divide}


def _write_directly(t: Tensor, op: Callable, args: tuple, kwargs: dict) -> bool:
    """Untracked add_/sub_/mul_/div_ on a float tensor: numpy writes into the tensor's memory at once
    (the SGD update's case), with no temporary result to copy back."""
    ufunc = _UFUNCS.get(op)
    if ufunc is None or kwargs or len(args) != 1 or not t.dtype.is_floating_point or t.dtype is dtypes.bfloat16:
        return False
    other = args[0]
    if isinstance(other, Tensor):
        if other.dtype is not t.dtype:
            return False
        other = other._data
    elif not isinstance(other, (int, float)) or isinstance(other, bool):
        return False
    data = t._data
    if not data.flags.writeable:
        return False
    try:
        ufunc(data, other, out=data)
    except ValueError:  # a shape that does not broadcast into t: the general path words PyTorch's error
        return False
    return True


def apply_inplace(t: Tensor, op: Callable, *args: Any, **kwargs: Any) -> Tensor:
    others_rg = any(isinstance(a, Tensor) and a._rg for a in args)
    recording = state.recording
    if recording and (t._rg or t._base is not None):
        _check(t, others_rg)
    inference_violation = t._inference and not state.inference and not (
        t._extra is not None and t._extra.inference_detached)
    if inference_violation and t._rg and t._grad_fn is None and state.recording:
        raise RuntimeError(LEAF_MESSAGE)
    track = recording and (t._rg or others_rg or (t._base is not None and t._base._rg))
    if track:
        old = _snapshot(t)
        out = op(old, *args, **kwargs)
        if t._base is not None:
            # a saved copy of the view's old value differentiates (double backward) through the view's graph;
            # taken before the write moves the version on
            old._grad_fn, old._output_nr = edge(t)
            old._rg = old._grad_fn is not None
    elif _write_directly(t, op, args, kwargs):
        out = None
    else:
        # nothing to record: the op sees no input that requires grad (or runs with grad mode off)
        out = op(t, *args, **kwargs)
    if out is not None:
        write_result(t, out)
    else:
        t._vc[0] += 1
        note(t)
    if inference_violation:
        raise RuntimeError(INFERENCE_MESSAGE)
    node = None if out is None else out._grad_fn
    if track and node is not None:
        _rebase(t, node)
    return t


def _repoint_outputs(node: Node, t: Tensor) -> None:
    """Saved results of the in-place node are the target itself, at its new version."""
    for cls in type(node).__mro__:
        for name in getattr(cls, "__slots__", ()):
            value = getattr(node, name, None)
            if type(value) is SavedTensor and value.is_output:
                value.data, value.counter, value.version = t._data, t._vc, t._vc[0]


def _rebase(t: Tensor, node: Node) -> None:
    _repoint_outputs(node, t)
    base = t._base
    if base is None:
        t._grad_fn = node
        t._rg = True
        t._output_nr = 0
        _move_retains(t)
        return
    copy_slices = CopySlices((edge(base),) + tuple(node.next_functions[1:]))
    copy_slices.fn = node
    copy_slices.view_fn = t._view_fn
    attach(base, copy_slices)
    view_node = AsStridedBackward0(((copy_slices, 0),))
    view_node.base_shape = base._data.shape
    view_node.view_fn = t._view_fn
    attach(t, view_node)
    t._attr_version = t._vc[0]
    _move_retains(t)
    _move_retains(base)


def _move_retains(t: Tensor) -> None:
    """retain_grad() follows the tensor to its new grad_fn (its other hooks stay on the old one, as in PyTorch)."""
    extra = t._extra
    if extra is not None and extra.retains_grad and t._grad_fn is not None:
        retain_grad(t)


class CopySlices(SpecialNode):
    """The base's node after an in-place op through a view: the op's gradient applied to the view's region."""

    __slots__ = ("fn", "view_fn")

    @property
    def saved(self) -> tuple:  # type: ignore[override]
        """The wrapped op's node is what holds saved tensors: freed with it, and only if it saves any."""
        return ("fn",) if self.fn.saved else ()

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        if state.recording:
            # create_graph: the same steps as recorded ops (as PyTorch's CopySlices), so they can be differentiated
            result = g.clone()
            region = self.view_fn(result)
            fn_grads = self.fn.apply([region.clone()])
            first = fn_grads[0]
            if first is None:
                region.zero_()
            else:
                region.copy_(first)
            return (result,) + tuple(fn_grads[1:])
        result = Tensor._wrap(g._data.copy(), g.dtype)
        with no_grad():
            region = self.view_fn(result)
        fn_grads = self.fn.apply([Tensor._wrap(region._data.copy(), g.dtype)])
        first = fn_grads[0]
        region._data[...] = 0 if first is None else first._data
        return (result,) + tuple(fn_grads[1:])


# ----- nodes that only in-place ops record -------------------------------------------------------

class ZeroBackward0(Node):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        return (grads[0] * 0,)


class FillBackward2(ZeroBackward0):
    __slots__ = ()


class FillBackward3(Node):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        return (grads[0] * 0, grads[0].sum())


class CopyBackwards(SpecialNode):
    __slots__ = ("src_meta",)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        ga = g * 0 if fa is not None else None
        gb = None
        if fb is not None:
            shape, dt = self.src_meta
            gb = sum_to(g, shape)
            if gb.dtype is not dt:
                gb = gb.to(dt)
        return ga, gb


def _zero(t: Tensor) -> Tensor:
    out = Tensor._wrap(np.zeros_like(t._data), t.dtype)
    if state.recording and t._rg:
        attach(out, ZeroBackward0((edge(t),)))
    return out


def _fill(t: Tensor, value: Any) -> Tensor:
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
            )
        out = Tensor._wrap(np.full_like(t._data, value._data), t.dtype)
        if state.recording and (t._rg or value._rg):
            attach(out, FillBackward3((edge(t), edge(value))))
        return out
    out = Tensor._wrap(np.full_like(t._data, value), t.dtype)
    if state.recording and t._rg:
        attach(out, FillBackward2((edge(t),)))
    return out


def _copy(t: Tensor, src: Any) -> Tensor:
    if not isinstance(src, Tensor):
        src = to_tensor(src)
    data = np.broadcast_to(src._data, t._data.shape).astype(t.dtype.np)
    out = Tensor._wrap(np.array(data), t.dtype)
    if state.recording and (t._rg or src._rg):
        node = CopyBackwards((edge(t), edge(src)))
        node.src_meta = (src._data.shape, src.dtype)
        attach(out, node)
    return out


@op("zero_", function=False)
def zero_(t: Tensor) -> Tensor:
    return apply_inplace(t, _zero)


@op("fill_", function=False)
def fill_(t: Tensor, value: Any) -> Tensor:
    return apply_inplace(t, _fill, value)


@op("copy_", function=False)
def copy_(t: Tensor, other: Any, non_blocking: bool = False) -> Tensor:
    return apply_inplace(t, _copy, other)


def copy_backwards(g: Tensor) -> Tensor:
    """x.grad written by backward(create_graph=True) when it was None: a copy recorded as CopyBackwards."""
    out = Tensor._wrap(g._data.copy(), g.dtype)
    node = CopyBackwards((NO_EDGE, edge(g)))
    node.src_meta = (g._data.shape, g.dtype)
    return attach(out, node)


# ----- item assignment ----------------------------------------------------------------------------

class IndexPutBackward0(Node):
    __slots__ = ("key", "value_meta")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        ga = gb = None
        if fa is not None:
            mask = np.ones(g._data.shape, dtype=g._data.dtype)
            mask[self.key] = 0
            ga = g * Tensor._wrap(mask, g.dtype)
        if fb is not None:
            gb = sum_to(getitem(g, self.key), self.value_meta[0])
        return ga, gb


def _index_put(t: Tensor, key: Any, value: Any) -> Tensor:
    data = t._data.copy()
    try:
        data[key] = value._data if isinstance(value, Tensor) else value
    except ValueError:
        if not isinstance(value, Tensor):
            raise
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(value._data.shape)} cannot be broadcast to indexing result "
            f"of shape {list(t._data[key].shape)}"
        ) from None
    out = Tensor._wrap(data, t.dtype)
    if state.recording and (t._rg or (isinstance(value, Tensor) and value._rg)):
        node = IndexPutBackward0((edge(t), edge(value) if isinstance(value, Tensor) else NO_EDGE))
        node.key = key
        node.value_meta = (value._data.shape, value.dtype) if isinstance(value, Tensor) else None
        attach(out, node)
    return out


def _value_tensor(t: Tensor, value: Any) -> Tensor:
    """The assigned value as a tensor (PyTorch's valueToTensor: a number takes the target's dtype)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float, complex, np.integer)):
        return Tensor._wrap(np.asarray(value).astype(t.dtype.np), t.dtype)
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    raise TypeError(f"can't assign a {name} to a {t.dtype.legacy_type}")


def _strip_leading_ones(value: Tensor, always: bool = False) -> Tensor:
    """PyTorch's slicePrefix1sDims: the value is viewed without its leading size-1 dims."""
    shape = value._data.shape
    n = 0
    while n < len(shape) and shape[n] == 1:
        n += 1
    if not n and not always:
        return value
    return view(value, shape[n:])


def _copy_to(dst: Tensor, value: Tensor) -> None:
    """PyTorch's copy_to: copy_ of equal sizes, fill_ of a 0-d value, else view and expand the value first."""
    if value._data.shape == dst._data.shape:
        copy_(dst, value)
        return
    if value._data.ndim == 0:
        fill_(dst, value)
        return
    value = _strip_leading_ones(value, always=True)  # copy_to views the value even when nothing is stripped
    if value._data.shape != dst._data.shape:
        value = expand(value, dst._data.shape)
    copy_(dst, value)


@op("setitem", function=False, method=False, dunders={"__setitem__": DIRECT})
def setitem(t: Tensor, key: Any, value: Any) -> None:
    value = _value_tensor(t, value)
    keys = _normalize_key(key)
    if all(_is_basic(k) for k in keys):
        # a key that selects everything writes into t itself, not into a view (as PyTorch's fast path)
        _copy_to(_basic(t, keys, alias=False), value)
        return
    # basic parts first, as views, then index_put on that view: getitem's order, not numpy's
    dst, np_key = apply_slicing(t, tuple(k if _is_basic(k) else _to_index(k) for k in keys))
    apply_inplace(dst, _index_put, np_key if len(np_key) > 1 else np_key[0], _strip_leading_ones(value))


def make_inplace(op: Callable) -> Callable:
    """The in-place method of an out-of-place op (`add_` from `add`)."""

    def method(t: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return apply_inplace(t, op, *args, **kwargs)

    method.__name__ = op.__name__ + "_"
    return method


_ = dtypes
