"""The graph of a tangent as PyTorch's jvp formulas record it, for elementwise ops of one dual input.

Forward AD (forward_ad.py) gets a tangent by differentiating the op's backward formula, which records
the formula's own nodes (t * (1 - y*y) for tanh: a MulBackward0). PyTorch's jvp formula for some ops
calls a backward function instead (`tanh_backward(t, result)`: a TanhBackwardBackward0), or writes the
product in another order (`... * t` for erf), or gives no graph at all (sign's zeros). For those ops the
tangent is rebuilt here from `factor`, the op's derivative at the primal (a constant, computed by the
generic route with a tangent of ones), so that its graph has PyTorch's nodes and edges; the names were
read from PyTorch 2.13 (tests/test_forward_ad.py pins them).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .tensor import Tensor

# op -> the node PyTorch's jvp records: `<backward>(t, saved)`, an edge to the tangent and one to a saved value
_BACKWARD_NODE = {
    "tanh": "TanhBackwardBackward0",
    "sigmoid": "SigmoidBackwardBackward0",
    "gelu": "GeluBackwardBackward0",
    "elu": "EluBackwardBackward0",
    "selu": "EluBackwardBackward0",
    "celu": "EluBackwardBackward0",
    "softplus": "SoftplusBackwardBackward0",
    "logsigmoid": "LogSigmoidBackwardBackward0",
    "hardswish": "HardswishBackwardBackward0",
    "hardsigmoid": "NotImplemented",  # (PyTorch's own name for hardsigmoid_backward's double backward)
}
_NO_SAVED_EDGE = {"hardsigmoid"}
_ZERO = {"sign", "sgn", "trunc", "fix", "floor", "ceil", "round"}  # zeros_like(t): no graph
_FACTOR_FIRST = {"erf", "erfc", "special_erf", "special_erfc"}  # factor * t
_WHERE = {"clamp", "clip", "clamp_min", "clamp_max"}  # where(inside, t, 0)
_TIMES_FACTOR = {"square", "pow", "__pow__"}  # t * factor, one node (pow_backward's factor is computed apart)


def _backward_node(name: str) -> Callable:
    def rule(t: Tensor, factor: Tensor, x: Tensor, y: Tensor) -> Tensor:
        from .ops.grad_linear import linear_in_grad, node_class  # cycle: ops import the engine core

        if name in _NO_SAVED_EDGE:  # one of PyTorch's special nodes: its name() has the namespace
            node_class(_BACKWARD_NODE[name]).name = _special_name

        saved = () if name in _NO_SAVED_EDGE else (x,)
        adjoint = _not_implemented(name) if name in _NO_SAVED_EDGE else None
        return linear_in_grad(_BACKWARD_NODE[name], lambda g, *_: g * factor, t, saved, adjoint)

    return rule


def _special_name(node: object) -> str:
    return "torch::autograd::" + type(node).__name__


def _not_implemented(name: str) -> Callable:
    def adjoint(gg: Tensor) -> Tensor:
        raise RuntimeError(f"derivative for aten::{name}_backward is not implemented")

    return adjoint


def _rsqrt(t: Tensor, factor: Tensor, x: Tensor, y: Tensor) -> Tensor:
    from .ops.aten import mul_scalar  # cycle: ops import the engine core this module sits beside

    return mul_scalar(t, -0.5) * y.pow(3)  # rsqrt's backward: -0.5 * grad * result.pow(3)


def _reciprocal(t: Tensor, factor: Tensor, x: Tensor, y: Tensor) -> Tensor:
    return -t * (y * y)


def _silu(t: Tensor, factor: Tensor, x: Tensor, y: Tensor) -> Tensor:
    s = x.sigmoid()
    return t * s * (1 + x * (1 - s))


def _exp2(t: Tensor, factor: Tensor, x: Tensor, y: Tensor) -> Tensor:
    from .ops.aten import mul_scalar  # cycle: ops import the engine core this module sits beside

    return mul_scalar(t * y, math.log(2.0))


def _where(t: Tensor, factor: Tensor, x: Tensor, y: Tensor) -> Tensor:
    from .ops import elementwise  # cycle: ops import the engine core this module sits beside

    return elementwise.where(factor != 0, t, 0)


def _atanh(t: Tensor, factor: Tensor, x: Tensor, y: Tensor) -> Tensor:
    from .ops.aten import mul_scalar  # cycle: ops import the engine core this module sits beside

    return mul_scalar(t, 1) / (1 - x.pow(2))  # atanh's backward, `grad * 1 / (1 - self.pow(2))`, on the tangent


def _sinc(t: Tensor, factor: Tensor, x: Tensor, y: Tensor) -> Tensor:
    from .ops import elementwise  # cycle: ops import the engine core this module sits beside

    return elementwise.where(x * x * math.pi == 0, 0, t * factor)  # sinc_backward: where(x*x*pi == 0, 0, ...)


def _tanhshrink(t: Tensor, factor: Tensor, x: Tensor, y: Tensor) -> Tensor:
    from .ops.unary import tanh_backward  # cycle: ops import the engine core this module sits beside

    return t - tanh_backward(t, x.tanh())  # the composite x - tanh(x): sub's jvp over tanh's


def _softsign(t: Tensor, factor: Tensor, x: Tensor, y: Tensor) -> Tensor:
    # the composite x / (|x| + 1): div's jvp (t - other_t * result) / other, where other_t is abs's tangent
    # t * sgn(x) plus the (zero) tangent of the number 1
    other_t = t * x.sgn() + t.detach().new_zeros(t.shape)
    return (t - other_t * y) / (x.abs() + 1)


def _times_number(t: Tensor, factor: Tensor, x: Tensor, y: Tensor) -> Tensor:
    # mul's jvp `other_t * self + self_t * other`: the number's tangent is a zero tensor, so the sum records
    return t.detach().new_zeros(t.shape) + t * factor


def rule_for(name: str) -> Callable | None:
    """The tangent rule of op `name` (a function, method or dunder name), or None for the generic route."""
    if name in _BACKWARD_NODE:
        return _backward_node(name)
    if name in _ZERO:
        return lambda t, factor, x, y: t.detach().new_zeros(t.shape)
    if name in _TIMES_FACTOR:
        return lambda t, factor, x, y: t * factor
    if name in _FACTOR_FIRST:
        return lambda t, factor, x, y: factor * t
    if name in _WHERE:
        return _where
    return {"rsqrt": _rsqrt, "reciprocal": _reciprocal, "silu": _silu, "exp2": _exp2,
            "special_exp2": _exp2, "atanh": _atanh, "arctanh": _atanh, "sinc": _sinc, "special_sinc": _sinc,
            "tanhshrink": _tanhshrink, "softsign": _softsign, "mul": _times_number, "multiply": _times_number,
            "__mul__": _times_number, "__rmul__": _times_number}.get(name)


LINEAR = {"sum", "mean", "nansum", "neg", "negative", "__neg__"}  # the tangent is the op applied to the tangent
