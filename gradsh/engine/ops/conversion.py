"""Copies and dtype conversions: clone, contiguous, to, detach."""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..changes import note
from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op, tensor_property
from ..tensor import Tensor
from ._core import attach, result


class CloneBackward0(Node):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        return (grads[0],)


@op("clone")
def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    out = Tensor._wrap(input._data.copy(), input.dtype)
    if state.recording and input._rg:
        attach(out, CloneBackward0((edge(input),)))
    return out


@op("contiguous", function=False)
def contiguous(input: Tensor, *, memory_format: Any = None) -> Tensor:
    if input._data.flags.c_contiguous:
        return input
    return clone(input)


class ToCopyBackward0(Node):
    __slots__ = ("dtype",)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        return (g if g.dtype is self.dtype else _convert(g, self.dtype),)


def _convert(x: Tensor, dt: dtypes.dtype) -> Tensor:
    data = x._data
    if dt.is_complex is False and x.dtype.is_complex:
        data = data.real
    out = result(data.astype(dt.np), dt)
    if state.recording and x._rg and (dt.is_floating_point or dt.is_complex):
        node = ToCopyBackward0((edge(x),))
        node.dtype = x.dtype
        attach(out, node)
    return out


@op("to", function=False)
def to(x: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """x.to(dtype) / x.to(device) / x.to(other) / x.to(device, dtype); the same tensor when nothing changes."""
    dt = kwargs.get("dtype")
    copy = kwargs.get("copy", False)
    for a in args:
        if isinstance(a, dtypes.dtype):
            dt = a
        elif isinstance(a, Tensor):
            dt = a.dtype
    if dt is None or (dt is x.dtype and not copy):
        return clone(x) if copy else x
    return _convert(x, dt)


@op("type", function=False)
def type_(x: Tensor, dtype: Any = None, **kwargs: Any) -> Any:
    if dtype is None:
        return x.dtype.legacy_type
    if isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), dtypes.dtype):
        dtype = dtype.dtype  # a typed tensor class: t.type(torch.DoubleTensor)
    if isinstance(dtype, str):
        for d in dtypes.ALL:
            if d.legacy_type == dtype:
                dtype = d
                break
    return to(x, dtype)


def _caster(dt: dtypes.dtype) -> Any:
    def cast(x: Tensor, *, memory_format: Any = None) -> Tensor:
        return to(x, dt)

    return cast


float_ = op("float", function=False)(_caster(dtypes.float32))
double = op("double", function=False)(_caster(dtypes.float64))
half = op("half", function=False)(_caster(dtypes.float16))
bfloat16 = op("bfloat16", function=False)(_caster(dtypes.bfloat16))
long = op("long", function=False)(_caster(dtypes.int64))
int_ = op("int", function=False)(_caster(dtypes.int32))
short = op("short", function=False)(_caster(dtypes.int16))
bool_ = op("bool", function=False)(_caster(dtypes.bool_))
byte = op("byte", function=False)(_caster(dtypes.uint8))
char = op("char", function=False)(_caster(dtypes.int8))
cfloat = op("cfloat", function=False)(_caster(dtypes.complex64))
cdouble = op("cdouble", function=False)(_caster(dtypes.complex128))


@op("cpu", function=False)
def cpu(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """Every tensor is on the CPU already."""
    return input


@op("detach")
def detach(input: Tensor) -> Tensor:
    """A leaf sharing data and version counter; not a view."""
    out = Tensor._wrap(input._data, input.dtype)
    out._inference = input._inference
    if input._inference and not state.inference:
        # an inference tensor has no version counter to share: this detach starts its own
        out._x().inference_detached = True
    else:
        out._vc = input._vc
    return out


def data_of(x: Tensor) -> Tensor:
    """`x.data`: like detach() but with its own version counter."""
    out = Tensor._wrap(x._data, x.dtype)
    out._inference = x._inference
    return out


def set_data(x: Tensor, other: Any) -> None:
    if not isinstance(other, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(other).__name__}")
    if x._rg and not (other.dtype.is_floating_point or other.dtype.is_complex):
        raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
    x._data = other._data
    x.dtype = other.dtype
    note(x)


@op("detach_", function=False)
def detach_(x: Tensor) -> Tensor:
    if x._base is not None:
        raise RuntimeError(
            "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for "
            "training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence "
            "detach_() cannot be called on these gradients. To fix this error, please refer to the "
            "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
        )
    x._grad_fn = None
    x._rg = False
    x._output_nr = 0
    note(x)
    return x


tensor_property("data", data_of, set_data)
