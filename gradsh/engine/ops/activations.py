"""More of torch.nn.functional's activations: celu, selu, glu, hard/soft shrink, hardswish, hardsigmoid,
mish, threshold, prelu (each one node named as PyTorch's) and the compositions softsign, tanhshrink, softmin.

Forwards are computed in double and rounded once; the backward formulas are Tensor ops, so they
differentiate again under create_graph.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from .. import random as rng
from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result, save, unpack
from .elementwise import _SavesInput, _unary_data, fit, where
from .grad_linear import linear_in_grad, threshold_backward
from .inplace import apply_inplace
from .joining import cat
from .nn_functional import EluBackward1, _activation, _f64, _implicit_dim, elu_saving_result
from .reduction import softmax as _softmax

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class CeluBackward0(_SavesInput):
    __slots__ = ("alpha",)

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        return (grads[0] * where(x > 0, 1.0, (x / self.alpha).exp()),)


@op("celu", method=False, namespace="torch.nn.functional")
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    if inplace:
        return celu_(input, alpha)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    a, dt = _f64(input)
    data = np.where(a > 0, a, alpha * np.expm1(a / alpha))
    return _activation(input, data, dt, CeluBackward0, "input", alpha=alpha)


class CeluBackward1(EluBackward1):
    __slots__ = ()


def _celu_saving_result(input: Tensor, alpha: float) -> Tensor:
    a, dt = _f64(input)
    data = np.where(a > 0, a, alpha * np.expm1(a / alpha))
    # aten: elu_backward(grad, alpha, 1, 1.0 / alpha.toFloat(), is_result=true, result)
    return elu_saving_result(input, data, dt, CeluBackward1, alpha, 1.0, 1.0 / float(np.float32(alpha)))


@op("celu_", method=False)
def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return apply_inplace(input, _celu_saving_result, alpha)


class EluBackward0(_SavesInput):
    """selu's node: PyTorch records selu as elu with SELU's scale and alpha."""

    __slots__ = ("alpha", "scale")

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        return (grads[0] * where(x > 0, self.scale, x.exp() * (self.alpha * self.scale)),)


@op("selu", method=False, namespace="torch.nn.functional")
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:
        return selu_(input)
    a, dt = _f64(input)
    data = _SELU_SCALE * np.where(a > 0, a, _SELU_ALPHA * np.expm1(a))
    return _activation(input, data, dt, EluBackward0, "input", alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def _selu_saving_result(input: Tensor) -> Tensor:
    a, dt = _f64(input)
    data = _SELU_SCALE * np.where(a > 0, a, _SELU_ALPHA * np.expm1(a))
    return elu_saving_result(input, data, dt, EluBackward1, _SELU_ALPHA, _SELU_SCALE)


@op("selu_", method=False)
def selu_(input: Tensor) -> Tensor:
    return apply_inplace(input, _selu_saving_result)


class HardshrinkBackward0(_SavesInput):
    __slots__ = ("lambd",)

    def apply(self, grads: list) -> tuple:
        x, lambd = unpack(self.x, self), self.lambd
        return (linear_in_grad(type(self).__name__[:-1] + "Backward0", lambda g, x: g * ((x > lambd) | (x < -lambd)),
                               grads[0], (x,)),)


@op("hardshrink", namespace="torch.nn.functional")
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    a, dt = _f64(input)
    data = np.where((a > lambd) | (a < -lambd), a, 0.0)
    return _activation(input, data, dt, HardshrinkBackward0, "input", lambd=lambd)


class SoftshrinkBackward0(HardshrinkBackward0):
    __slots__ = ()


@op("softshrink", method=False, namespace="torch.nn.functional")
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    a, dt = _f64(input)
    data = np.where(a > lambd, a - lambd, np.where(a < -lambd, a + lambd, 0.0))
    return _activation(input, data, dt, SoftshrinkBackward0, "input", lambd=lambd)


class HardswishBackward0(_SavesInput):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        return (grads[0] * where(x < -3, 0.0, where(x <= 3, x / 3 + 0.5, 1.0)),)


@op("hardswish", method=False, namespace="torch.nn.functional")
def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:  # the node saves the old values, as PyTorch's hardswish_ does
        return apply_inplace(input, hardswish)
    a, dt = _stepwise(input)
    data = a * np.minimum(np.maximum(a + 3, 0), 6) / 6
    return _activation(input, data, dt, HardswishBackward0, "input")


def _stepwise(input: Tensor) -> tuple:
    """x's values in the precision ATen's kernel steps in (float32 below double), for kernels of plain
    adds, clamps, products and quotients that round after every step."""
    data, dt = _unary_data(input, lambda a: a)
    return np.asarray(data, dtype=np.float64 if dt is dtypes.float64 else np.float32), dt


class HardsigmoidBackward0(_SavesInput):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        # ATen's kernel multiplies by the float constant 1.0f / 6.0f, in every dtype
        return (grads[0] * ((x > -3) & (x < 3)) * float(np.float32(1) / np.float32(6)),)


@op("hardsigmoid", method=False, namespace="torch.nn.functional")
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:  # the node saves the old values, as PyTorch's hardsigmoid_ does
        return apply_inplace(input, hardsigmoid)
    a, dt = _stepwise(input)
    return _activation(input, np.minimum(np.maximum(a + 3, 0), 6) / 6, dt, HardsigmoidBackward0, "input")


class MishBackward0(_SavesInput):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        t = x.exp().log1p().tanh()
        return (grads[0] * (t + x * x.sigmoid() * (1 - t * t)),)


@op("mish", method=False, namespace="torch.nn.functional")
def mish(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:  # the node saves the old values, as PyTorch's mish_ does
        return apply_inplace(input, mish)
    a, dt = _f64(input)
    softplus = np.where(a > 20, a, np.log1p(np.exp(np.minimum(a, 20))))
    return _activation(input, a * np.tanh(softplus), dt, MishBackward0, "input")


class ThresholdBackward0(_SavesInput):
    __slots__ = ("threshold",)

    def apply(self, grads: list) -> tuple:
        return (threshold_backward(grads[0], unpack(self.x, self), self.threshold),)


@op("threshold", method=False, namespace="torch.nn.functional")
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    if inplace:
        return _threshold_inplace(input, threshold, value)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        return _threshold_integral(input, threshold, value)
    a, dt = _f64(input)
    data = np.where(a > threshold, a, value)
    return _activation(input, data, dt, ThresholdBackward0, "input", threshold=threshold)


_threshold = threshold  # the functional form, for torch.threshold whose parameter shadows the name


class ThresholdBackward1(ThresholdBackward0):
    """threshold_'s node: derivatives.yaml differentiates it from the old values, as threshold's."""

    __slots__ = ()


def _threshold_renamed(input: Tensor, limit: float, value: float) -> Tensor:
    out = _threshold(input, limit, value)
    if out._grad_fn is not None:
        out._grad_fn.__class__ = ThresholdBackward1  # same slots: the in-place name on the same node
    return out


def _threshold_inplace(input: Tensor, limit: float, value: float) -> Tensor:
    return apply_inplace(input, _threshold_renamed, limit, value)


@op("threshold_", method=False)
def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _threshold_inplace(input, threshold, value)


@op("threshold", method=False)
def threshold_torch(input: Tensor, threshold: float, value: float) -> Tensor:
    """torch.threshold: the functional form without its inplace flag."""
    return _threshold(input, threshold, value)


def _integral_scalar(v: float, np_dtype: np.dtype) -> int:
    """A Python number as aten's checked conversion to an integer type makes it: truncated toward zero,
    an error when out of range (unsigned types also accept negatives down to -max, which wrap)."""
    info = np.iinfo(np_dtype)
    low = -int(info.max) if info.min == 0 else int(info.min)
    if math.isnan(v) or not low <= v <= int(info.max):
        raise RuntimeError(f"value cannot be converted to type {np_dtype.name}_t without overflow")
    return int(v) % (int(info.max) + 1) if info.min == 0 else int(v)


def _threshold_integral(input: Tensor, threshold: float, value: float) -> Tensor:
    """aten's integer kernel compares and fills in the input's own type (no float result)."""
    if input.dtype.np == np.bool_:
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    x = input._data
    limit, fill = _integral_scalar(threshold, x.dtype), _integral_scalar(value, x.dtype)
    return result(np.where(x <= limit, np.asarray(fill, dtype=x.dtype), x), input.dtype)


class GluBackward0(_SavesInput):
    __slots__ = ("dim",)

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        a, b = x.chunk(2, self.dim)
        s = b.sigmoid()
        g = grads[0]
        return (cat([g * s, g * a * s * (1 - s)], self.dim),)


@op("glu", method=False, namespace="torch.nn.functional")
def glu(input: Tensor, dim: int = -1) -> Tensor:
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % x.ndim
    if x.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {x.shape[d]}")
    a, dt = _f64(input)
    first, second = np.split(a, 2, axis=d)
    data = first / (1 + np.exp(-second))
    return _activation(input, data, dt, GluBackward0, "input", dim=d)


class PreluKernelBackward0(Node):
    __slots__ = ("w", "w_meta", "x")
    saved = ("x", "w")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        x, w = unpack(self.x, self), unpack(self.w, self)
        (fx, _), (fw, _) = self.next_functions
        if fx is None:
            gx = None
        elif w._rg:  # w's second derivative is not 0: the Tensor ops record it
            gx = where(x > 0, g, g * w)
        else:  # linear in g, a derivative 0 in x: PyTorch's one node, which requires grad with x
            gx = linear_in_grad("PreluKernelBackwardBackward0", lambda g, x: where(x > 0, g, g * w), g, (x,))
        gw = fit(where(x > 0, 0.0, g * x), self.w_meta) if fw is not None else None
        return gx, gw


@op("prelu", namespace="torch.nn.functional")
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    x = input._data
    n = weight._data.size
    if weight._data.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
                           f"{weight._data.ndim}")
    if n != 1:
        if x.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = x.shape[1] if x.ndim >= 2 else 1
        if n != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
    shape = [1] * x.ndim
    if x.ndim >= 2:
        shape[1] = n
    elif x.ndim == 1:
        shape[0] = n
    w = weight.view(*shape) if x.ndim else weight.view(())
    a, dt = _f64(input)
    data = np.where(a > 0, a, a * w._data.astype(np.float64))
    out = result(data, dt)
    if state.recording and (input._rg or w._rg):
        node = PreluKernelBackward0((edge(input), edge(w)))
        node.x, node.w, node.w_meta = save(input), save(w), (w._data.shape, w.dtype)
        attach(out, node)
    return out


@op("softsign", method=False, namespace="torch.nn.functional")
def softsign(input: Tensor) -> Tensor:
    return input / (input.abs() + 1)


@op("tanhshrink", method=False, namespace="torch.nn.functional")
def tanhshrink(input: Tensor) -> Tensor:
    return input - input.tanh()


@op("softmin", method=False, namespace="torch.nn.functional")
def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    if dim is None:
        dim = _implicit_dim("softmin", input._data.ndim)
    return _softmax(-input, dim, dtype=dtype)


__all__ = ["celu", "glu", "hardshrink", "hardsigmoid", "hardswish", "mish", "prelu", "selu", "softmin",
           "softshrink", "softsign", "tanhshrink", "threshold"]


# ----- rrelu: a random slope per non-positive element ------------------------------------------------------

class RreluWithNoiseBackward0(_SavesInput):
    """grad * noise in training (noise is the slope drawn, 1 where x > 0), leaky_relu's backward otherwise."""

    __slots__ = ("lower", "noise", "training", "upper")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        if self.training and self.upper - self.lower > 1e-6:
            return (g * Tensor._wrap(self.noise, g.dtype),)
        x = unpack(self.x, self)
        return (where(x > 0, g, g * ((self.lower + self.upper) / 2)),)


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    __slots__ = ()


def _rrelu(input: Tensor, lower: float, upper: float, training: bool, generator: Any = None,
           node_class: type = RreluWithNoiseBackward0) -> Tensor:
    """PyTorch's CPU kernel: in memory order, each x <= 0 draws U53 * (upper - lower) + lower in double."""
    x = np.array(input._data, order="C")  # memory order (ascontiguousarray would make 0-d 1-d)
    dt = input.dtype
    noise = np.ones(x.shape, dtype=x.dtype)
    if training:
        flat = x.reshape(-1)
        negative = np.flatnonzero(~(flat > 0))
        slopes = rng._gen(generator)._u53(negative.size) * (float(upper) - float(lower)) + float(lower)
        noise.reshape(-1)[negative] = slopes.astype(x.dtype)
        data = x * noise
    else:
        slope = np.asarray((float(lower) + float(upper)) / 2).astype(x.dtype)
        data = np.where(x > 0, x, x * slope)
    out = result(data, dt)
    if state.recording and input._rg:
        node = node_class((edge(input),))
        node.x, node.noise, node.training = save(input), noise, training
        node.lower, node.upper = float(lower), float(upper)
        attach(out, node)
    return out


@op("rrelu", method=False)
def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          generator: Any = None) -> Tensor:
    return _rrelu(input, lower, upper, training, generator)


@op("rrelu_", method=False)
def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
           generator: Any = None) -> Tensor:
    return apply_inplace(input, _rrelu, lower, upper, training, generator, RreluWithNoiseBackward1)


@op("rrelu", method=False, namespace="torch.nn.functional")
def rrelu_functional(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
                     inplace: bool = False) -> Tensor:
    return (rrelu_ if inplace else rrelu)(input, lower, upper, training)

rrelu_functional.__name__ = rrelu_functional.__qualname__ = "rrelu"  # PyTorch's name in reprs and TypeErrors
