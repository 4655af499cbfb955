"""Binary and ternary elementwise math (atan2, hypot, xlogy, lerp, fmax, ...) and the unary ops with parameters.

Each forward computes in numpy (float32 in double, then rounded, as ops/unary.py does) and records its node
under PyTorch's name (ops/formula_node.py); the backward formulas are Tensor expressions taken from
PyTorch's derivatives.yaml, so create_graph differentiates through them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import broadcast_errors, dtypes
from ..grad_mode import state
from ..graph import NO_EDGE, edge
from ..registry import BINARY, INPLACE, op
from ..tensor import Tensor
from ._core import attach, promote2, result, to_tensor
from .elementwise import NotImplemented as NotImplementedNode
from .elementwise import div, pow, where
from .formula_node import OUTPUT, floating, node_class, record, structured
from .unary import digamma, digamma_kernel, exp, exp2, trigamma_f32

_LN2 = math.log(2.0)


def _operands(input: Any, other: Any) -> tuple:
    """(input tensor, other tensor-or-number, x array, y array-or-number, dtype) under PyTorch's promotion."""
    if not isinstance(input, Tensor):
        input = to_tensor(input)
    x, y, dt = promote2(input, other)
    return input, other, x, y, dt


def _in_double(fn: Callable, x: Any, y: Any, dt: dtypes.dtype) -> np.ndarray:
    """fn(x, y) for a floating result of dtype dt: float32 (and smaller) evaluated in double, then rounded."""
    npd = np.float64 if dt.np.itemsize < 8 else dt.np
    with np.errstate(all="ignore"):
        return fn(np.asarray(x, npd), np.asarray(y, npd))


def _float_binary(input: Any, other: Any, fn: Callable) -> tuple:
    input, other, x, y, dt = _operands(input, other)
    dt = floating(dt)
    return input, other, result(_in_double(fn, x, y, dt), dt)


def _tensor(value: Any, like: Tensor) -> Tensor:
    """A number operand as a 0-d tensor of `like`'s dtype (for formulas that need a Tensor)."""
    return value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value, like.dtype.np), like.dtype)


# ----- atan2, hypot -------------------------------------------------------------------------------

def _atan2_grad(node: Any, g: Tensor, x: Tensor, y: Tensor) -> tuple:
    denom = x * x + y * y
    return g * y / denom, g * -x / denom


Atan2Backward0 = node_class("Atan2Backward0", _atan2_grad, module=__name__)


@op("atan2", aliases=("arctan2",), inplace=True, out=True)
def atan2(input: Tensor, other: Tensor) -> Tensor:
    input, other, out = _float_binary(input, other, np.arctan2)
    return record(out, Atan2Backward0, (input, other), (input, other))


def _hypot_grad(node: Any, g: Tensor, x: Tensor, y: Tensor, out: Tensor) -> tuple:
    return g * x / out, g * y / out


HypotBackward0 = node_class("HypotBackward0", _hypot_grad, module=__name__)


@op("hypot", inplace=True, out=True)
def hypot(input: Tensor, other: Tensor) -> Tensor:
    input, other, out = _float_binary(input, other, np.hypot)
    return record(out, HypotBackward0, (input, other), (input, other, OUTPUT))


# ----- copysign -----------------------------------------------------------------------------------

def _copysign_grad(node: Any, g: Tensor, x: Tensor, out: Tensor) -> tuple:
    ratio = where(x == 0, 0.0, out / x)
    return g * ratio, g * 0


CopysignBackward0 = node_class("CopysignBackward0", _copysign_grad, module=__name__)
CopysignBackward1 = node_class("CopysignBackward1", _copysign_grad, module=__name__)


@op("copysign", inplace=True, out=True)
def copysign(input: Tensor, other: Any) -> Tensor:
    input, other, out = _float_binary(input, other, np.copysign)
    cls = CopysignBackward0 if isinstance(other, Tensor) else CopysignBackward1
    return record(out, cls, (input, other), (input, OUTPUT))


# ----- xlogy ---------------------------------------------------------------------------------------

def _xlogy_data(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log(y)))


def _xlogy_grad(node: Any, g: Tensor, x: Any, y: Any) -> tuple:
    gx = gy = None
    if node.needs(0):
        gx = g * xlogy((x != 0).to(g.dtype), y)
    if node.needs(1):
        gy = g * x / y
    return gx, gy


XlogyBackward0 = node_class("XlogyBackward0", _xlogy_grad, module=__name__)
XlogyBackward1 = node_class("XlogyBackward1", _xlogy_grad, module=__name__)
XlogyBackward2 = node_class("XlogyBackward2", _xlogy_grad, module=__name__)


def _xlogy_function(input: Any, other: Any) -> Tensor:
    if not isinstance(input, Tensor):  # torch.xlogy(2., t): the number-self overload
        x, y, dt = promote2(other, input)
        out = result(_in_double(lambda b, a: _xlogy_data(a, b), x, y, floating(dt)), floating(dt))
        return record(out, XlogyBackward1, (None, other), (input, other))
    return xlogy(input, other)


@op("xlogy", function=_xlogy_function, inplace=True, out=True)
def xlogy(input: Tensor, other: Any) -> Tensor:
    input, other, out = _float_binary(input, other, _xlogy_data)
    cls = XlogyBackward0 if isinstance(other, Tensor) else XlogyBackward2
    return record(out, cls, (input, other), (input, other))


# ----- lerp -----------------------------------------------------------------------------------------

def _conj(x: Any) -> Any:
    """A complex tensor or number conjugated (PyTorch's complex gradients); a real one as is."""
    if isinstance(x, Tensor):
        return x.conj() if x.dtype.is_complex else x
    return x.conjugate() if isinstance(x, complex) else x


def _lerp_grad(node: Any, g: Tensor, start: Tensor, end: Tensor, weight: Any) -> tuple:
    gw = g * _conj(end - start) if isinstance(weight, Tensor) else None
    return g * _conj(1 - weight), g * _conj(weight), gw


LerpBackward0 = node_class("LerpBackward0", _lerp_grad, module=__name__)
LerpBackward1 = node_class("LerpBackward1", _lerp_grad, module=__name__)


def _lerp_data(a: np.ndarray, b: np.ndarray, w: Any) -> np.ndarray:
    w = np.asarray(w, a.dtype)
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


@op("lerp", inplace=True, out=True)
def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    if input.dtype is not end.dtype:
        raise RuntimeError(f"expected dtype {input.dtype.scalar_name} for `end` but got dtype "
                           f"{end.dtype.scalar_name}")
    if isinstance(weight, Tensor) and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected dtype {input.dtype.scalar_name} for `weight` but got dtype "
                           f"{weight.dtype.scalar_name}")
    w = weight._data if isinstance(weight, Tensor) else weight
    try:
        out = result(_lerp_data(input._data, end._data, w), input.dtype)
    except ValueError:
        broadcast_errors.check(*(t._data.shape for t in (input, end, weight) if isinstance(t, Tensor)))
        raise
    if isinstance(weight, Tensor):
        return record(out, LerpBackward1, (input, end, weight), (input, end, weight))
    return record(out, LerpBackward0, (input, end), (input, end, weight))


# ----- logaddexp, logaddexp2 ------------------------------------------------------------------------

def _logaddexp_grad(node: Any, g: Tensor, x: Tensor, y: Tensor) -> tuple:
    return g / _conj(exp(y - x) + 1), g / _conj(exp(x - y) + 1)


def complex_logaddexp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """PyTorch's _log_add_exp_helper for complex numbers: log1p(exp(min - max)) + max, ordered by real part."""
    x, y = np.broadcast_arrays(x, y)
    x_smaller = x.real < y.real
    lo, hi = np.where(x_smaller, x, y), np.where(x_smaller, y, x)
    out = np.log1p(np.exp(lo - hi)) + hi
    same_inf = ~np.isfinite(lo.real) & (lo.real == hi.real)
    out = np.where(same_inf & (lo.real < 0), lo, out)  # both -inf: the smaller one as it is
    out = np.where(same_inf & (lo.real > 0), np.log(np.exp(lo) + np.exp(hi)), out)
    return np.where(np.isnan(lo.real) | np.isnan(lo.imag), complex(np.nan, np.nan), out)


def _logaddexp2_grad(node: Any, g: Tensor, x: Tensor, y: Tensor) -> tuple:
    return g / (exp2(y - x) + 1), g / (exp2(x - y) + 1)


LogaddexpBackward0 = node_class("LogaddexpBackward0", _logaddexp_grad, module=__name__)
Logaddexp2Backward0 = node_class("Logaddexp2Backward0", _logaddexp2_grad, module=__name__)


@op("logaddexp", out=True)
def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    complex_operand = any(isinstance(t, Tensor) and t.dtype.is_complex for t in (input, other))
    input, other, out = _float_binary(input, other, complex_logaddexp if complex_operand else np.logaddexp)
    return record(out, LogaddexpBackward0, (input, other), (input, other))


@op("logaddexp2", out=True)
def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    complex_dtype = next((t.dtype for t in (input, other) if isinstance(t, Tensor) and t.dtype.is_complex), None)
    if complex_dtype is not None:
        raise NotImplementedError(f'"logaddexp2_cpu" not implemented for \'{complex_dtype.scalar_name}\'')
    input, other, out = _float_binary(input, other, np.logaddexp2)
    return record(out, Logaddexp2Backward0, (input, other), (input, other))


# ----- fmax, fmin -----------------------------------------------------------------------------------

def _fmax_grad(node: Any, g: Tensor, x: Tensor, y: Tensor) -> tuple:
    pick_x = (x >= y) | y.isnan() if node.larger else (x <= y) | y.isnan()
    zero = g * 0
    return where(pick_x, g, zero), where(pick_x, zero, g)


FmaxBackward0 = node_class("FmaxBackward0", _fmax_grad, module=__name__)
FminBackward0 = node_class("FminBackward0", _fmax_grad, module=__name__)


@op("fmax", out=True)
def fmax(input: Tensor, other: Tensor) -> Tensor:
    input, other, x, y, dt = _operands(input, other)
    return record(result(np.fmax(x, y), dt), FmaxBackward0, (input, other), (input, other), larger=True)


@op("fmin", out=True)
def fmin(input: Tensor, other: Tensor) -> Tensor:
    input, other, x, y, dt = _operands(input, other)
    return record(result(np.fmin(x, y), dt), FminBackward0, (input, other), (input, other), larger=False)


# ----- float_power: pow in double -------------------------------------------------------------------

def _double(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.to(dtypes.complex128 if value.dtype.is_complex else dtypes.float64)
    return complex(value) if isinstance(value, complex) else float(value)


def _float_power_function(input: Any, exponent: Any) -> Tensor:
    if not isinstance(input, Tensor):  # torch.float_power(2, t): the number-base overload
        return pow(_double(input), _double(exponent))
    return float_power(input, exponent)


def _float_power_inplace(input: Tensor, exponent: Any) -> Tensor:
    from .inplace import apply_inplace  # cycle: ops/inplace imports the registry's users

    if input.dtype is not dtypes.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {input.dtype.scalar_name.replace('Float', 'Float')}"
                           " but the operation's result requires dtype Double")
    return apply_inplace(input, float_power, exponent)


@op("float_power", function=_float_power_function, inplace=_float_power_inplace, out=True)
def float_power(input: Tensor, exponent: Any) -> Tensor:
    return pow(_double(input), _double(exponent))


# ----- fmod, remainder: the tensor and the number overloads -----------------------------------------

def _mod_grad(mode: str) -> Callable:
    def grad(node: Any, g: Tensor, x: Tensor, y: Any) -> tuple:
        gy = None
        if node.needs(1):
            gy = -g * div(x, y, rounding_mode=mode)
        return g, gy

    return grad


FmodBackward0 = node_class("FmodBackward0", _mod_grad("trunc"), module=__name__)
FmodBackward1 = node_class("FmodBackward1", _mod_grad("trunc"), module=__name__)
RemainderBackward0 = node_class("RemainderBackward0", _mod_grad("floor"), module=__name__)
RemainderBackward1 = node_class("RemainderBackward1", _mod_grad("floor"), module=__name__)


def _integer_mod(fn: Callable, x: Any, y: Any) -> np.ndarray:
    if np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")
    return fn(x, y)


def _mod(input: Tensor, other: Any, fn: Callable, node_tensor: type, node_number: type) -> Tensor:
    input, other, x, y, dt = _operands(input, other)
    if dt.is_floating_point:
        with np.errstate(all="ignore"):
            data = fn(x, y)
    else:
        data = _integer_mod(fn, x, y)
    out = result(data, dt)
    cls = node_tensor if isinstance(other, Tensor) else node_number
    return record(out, cls, (input, other), (input, other))


def _floor_mod(x: Any, y: Any) -> np.ndarray:
    """PyTorch's remainder: a - b * floor(a / b) for floats, Python's modulo for integers."""
    if np.asarray(x).dtype.kind == "f":
        m = np.fmod(x, y)
        return np.where((m != 0) & ((m < 0) != (np.asarray(y) < 0)), m + y, m)
    return np.mod(x, y)


@op("fmod", inplace=True, out=True)
def fmod(input: Tensor, other: Any) -> Tensor:
    return _mod(input, other, np.fmod, FmodBackward1, FmodBackward0)


def _remainder_function(input: Any, other: Any) -> Tensor:
    """torch.remainder(2, t): a number first becomes a tensor."""
    return remainder(input if isinstance(input, Tensor) else to_tensor(input), other)


@op("remainder", function=_remainder_function, out=True, inplace=True, dunders={"__mod__": BINARY, "__imod__": INPLACE})
def remainder(input: Tensor, other: Any) -> Tensor:
    return _mod(input, other, _floor_mod, RemainderBackward1, RemainderBackward0)


@op("rremainder", function=False, method=False, dunders={"__rmod__": BINARY})
def rremainder(a: Tensor, b: Any) -> Tensor:
    """`b % a` with a number b: PyTorch computes remainder(b, a) but records no derivative for it."""
    if isinstance(b, Tensor):
        return remainder(b, a)
    _, _, x, y, dt = _operands(to_tensor(b), a)
    data = _floor_mod(x, y) if dt.is_floating_point else _integer_mod(_floor_mod, x, y)
    return _not_implemented(result(data, dt), "aten::remainder", (a,))


# ----- nextafter, ldexp, heaviside, gcd, lcm ---------------------------------------------------------

def _nextafter_grad(node: Any, g: Tensor) -> tuple:
    return g, g * 0


NextafterBackward0 = node_class("NextafterBackward0", _nextafter_grad, module=__name__)


@op("nextafter", inplace=True, out=True)
def nextafter(input: Tensor, other: Tensor) -> Tensor:
    input, other, x, y, dt = _operands(input, other)
    return record(result(np.nextafter(x, y), dt), NextafterBackward0, (input, other))


def _ldexp_grad(node: Any, g: Tensor, other: Tensor, out: Tensor) -> tuple:
    return g * _conj(exp2(other.to(out.dtype))), g * _conj(out) * _LN2


LdexpBackward0 = node_class("LdexpBackward0", _ldexp_grad, module=__name__)


@op("ldexp", inplace=True, out=True)
def ldexp(input: Tensor, other: Tensor) -> Tensor:
    input, other, x, y, dt = _operands(input, other)
    dt = floating(dt)
    data = _in_double(lambda a, b: a * np.exp2(b), x, y, dt)
    return record(result(data, dt), LdexpBackward0, (input, other), (other, OUTPUT))


def _not_implemented(out: Tensor, name: str, inputs: tuple) -> Tensor:
    """The torch::autograd::NotImplemented node of an op PyTorch does not differentiate."""
    if state.recording and any(isinstance(t, Tensor) and t._rg for t in inputs):
        node = NotImplementedNode(tuple(edge(t) if isinstance(t, Tensor) else NO_EDGE for t in inputs))
        node.op = name
        attach(out, node)
    return out


@op("heaviside", inplace=True, out=True)
def heaviside(input: Tensor, values: Tensor) -> Tensor:
    if isinstance(values, Tensor) and values.dtype is not input.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    input, values, x, y, dt = _operands(input, values)
    data = np.where(x == 0, y, (x > 0).astype(dt.np)) if dt is not dtypes.bool_ else np.where(x == 0, y, x)
    return _not_implemented(result(np.where(np.isnan(x), x, data) if dt.is_floating_point else data, dt),
                            "aten::heaviside", (input, values))


def _integer_only(name: str, fn: Callable) -> Callable:
    def forward(input: Tensor, other: Tensor) -> Tensor:
        input, other, x, y, dt = _operands(input, other)
        if dt.is_floating_point or dt.is_complex or dt is dtypes.bool_:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{dt.scalar_name}\'')
        return result(fn(x, y), dt)

    forward.__name__ = forward.__qualname__ = name
    return forward


gcd = op("gcd", inplace=True, out=True)(_integer_only("gcd", np.gcd))
lcm = op("lcm", inplace=True, out=True)(_integer_only("lcm", np.lcm))


# ----- addcmul, addcdiv ----------------------------------------------------------------------------

# derivatives.yaml's formulas, in its order of operations (the bits of float32 gradients depend on it)
def _addcmul_grad(node: Any, g: Tensor, t1: Tensor, t2: Tensor) -> tuple:
    v = node.value
    return g, g * _conj(t2 * v), g * _conj(t1 * v)


def _addcdiv_grad(node: Any, g: Tensor, t1: Tensor, t2: Tensor) -> tuple:
    v = node.value
    return g, g * _conj(v / t2), -g * _conj(v * t1 / (t2 * t2))


AddcmulBackward0 = node_class("AddcmulBackward0", _addcmul_grad, module=__name__)
AddcdivBackward0 = node_class("AddcdivBackward0", _addcdiv_grad, module=__name__)


def _three(input: Tensor, t1: Tensor, t2: Tensor) -> dtypes.dtype:
    return dtypes.result_type([t.dtype for t in (input, t1, t2) if t._data.ndim],
                              [t.dtype for t in (input, t1, t2) if not t._data.ndim], [])


@op("addcmul", inplace=True, out=True)
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    dt = _three(input, tensor1, tensor2)
    a, b, c = (t._data.astype(dt.np, copy=False) for t in (input, tensor1, tensor2))
    try:
        out = result(a + np.asarray(value, dt.np) * (b * c), dt)
    except ValueError:
        broadcast_errors.check(a.shape, b.shape, c.shape)
        raise
    return record(out, AddcmulBackward0, (input, tensor1, tensor2), (tensor1, tensor2), value=value)


@op("addcdiv", inplace=True, out=True)
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    dt = _three(input, tensor1, tensor2)
    if not (tensor1.dtype.is_floating_point or tensor1.dtype.is_complex) and not (
        tensor2.dtype.is_floating_point or tensor2.dtype.is_complex
    ):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform "
            "a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + "
            "value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * "
            "tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes."
        )
    a, b, c = (t._data.astype(dt.np, copy=False) for t in (input, tensor1, tensor2))
    try:
        with np.errstate(all="ignore"):
            out = result(a + np.asarray(value, dt.np) * (b / c), dt)
    except ValueError:
        broadcast_errors.check(a.shape, b.shape, c.shape)
        raise
    return record(out, AddcdivBackward0, (input, tensor1, tensor2), (tensor1, tensor2), value=value)


# ----- igamma, igammac (the regularized incomplete gamma functions) ---------------------------------

def _igamma_grad(node: Any, g: Tensor) -> tuple:
    raise NotImplementedError(f"the derivative for '{node.op_name}: input' is not implemented.")


IgammaBackward0 = node_class("IgammaBackward0", _igamma_grad, module=__name__)
IgammacBackward0 = node_class("IgammacBackward0", _igamma_grad, module=__name__)


def _scipy_binary(input: Any, other: Any, name: str) -> tuple:
    from scipy import special  # startup: scipy is imported when first needed

    return _float_binary(input, other, getattr(special, name))


@op("igamma", inplace=True, out=True)
def igamma(input: Tensor, other: Tensor) -> Tensor:
    input, other, out = _scipy_binary(input, other, "gammainc")
    return record(out, IgammaBackward0, (input, other), op_name="igamma")


@op("igammac", inplace=True, out=True)
def igammac(input: Tensor, other: Tensor) -> Tensor:
    input, other, out = _scipy_binary(input, other, "gammaincc")
    return record(out, IgammacBackward0, (input, other), op_name="igammac")


# ----- unary ops with a parameter: polygamma, mvlgamma, logit, nan_to_num, frexp, positive -----------

def _polygamma_grad(node: Any, g: Tensor, x: Tensor) -> tuple:
    return (None, g * polygamma(node.n + 1, x))


PolygammaBackward0 = node_class("PolygammaBackward0", _polygamma_grad, module=__name__)


def _polygamma_data(n: int, a: np.ndarray) -> np.ndarray:
    from scipy import special  # startup: scipy is imported when first needed

    if a.dtype == np.float32 and n in (0, 1):  # ATen's own float32 series
        return digamma_kernel(a) if n == 0 else trigamma_f32(a)
    a = a.astype(np.float64)
    if n == 0:
        return special.psi(a)
    with np.errstate(all="ignore"):
        return special.polygamma(n, a)


def _polygamma_method(input: Tensor, n: int) -> Tensor:
    return polygamma(n, input)


def _polygamma_inplace(input: Tensor, n: int) -> Tensor:
    from .inplace import apply_inplace  # cycle: ops/inplace imports the registry's users

    return apply_inplace(input, _polygamma_method, n)


@op("polygamma", method=_polygamma_method, inplace=_polygamma_inplace, out=True)
def polygamma(n: int, input: Tensor) -> Tensor:
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    dt = floating(input.dtype)
    a = input._data if input._data.dtype.kind == "f" else input._data.astype(dt.np)
    out = result(_polygamma_data(n, a), dt)
    return record(out, PolygammaBackward0, (None, input), (input,), n=n)


def _mvlgamma_grad(node: Any, g: Tensor, x: Tensor) -> tuple:
    p = node.p
    total = digamma(x)
    for j in range(1, p):
        total = total + digamma(x - j / 2)
    return (g * total,)


MvlgammaBackward0 = node_class("MvlgammaBackward0", _mvlgamma_grad, module=__name__)


@op("mvlgamma", inplace=True, out=True)
def mvlgamma(input: Tensor, p: int) -> Tensor:
    from scipy import special  # startup: scipy is imported when first needed

    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    dt = floating(input.dtype)
    a = input._data.astype(np.float64)
    data = sum(special.gammaln(a - j / 2) for j in range(p)) + p * (p - 1) / 4 * math.log(math.pi)
    out = result(data, dt)
    return record(out, MvlgammaBackward0, (input,), (input,), p=p)


def _logit_grad(node: Any, g: Tensor, x: Tensor) -> tuple:
    eps = node.eps
    grad = g / (x * (1 - x))
    if eps is None:
        return (where((x < 0) | (x > 1), float("nan"), grad),)
    return (where((x < eps) | (x > 1 - eps), 0.0, grad),)


LogitBackward0 = node_class("LogitBackward0", _logit_grad, module=__name__)


@op("logit", inplace=True, out=True)
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    dt = floating(input.dtype)
    a = input._data.astype(np.float64)
    if eps is not None:
        a = np.clip(a, eps, 1 - eps)
    with np.errstate(all="ignore"):
        out = result(np.log(a / (1 - a)), dt)
    return record(out, LogitBackward0, (input,), (input,), eps=eps)


def _nan_to_num_grad(node: Any, g: Tensor, x: Tensor) -> tuple:
    return (g * x.isfinite(),)


NanToNumBackward0 = node_class("NanToNumBackward0", _nan_to_num_grad, module=__name__)


@op("nan_to_num", inplace=True, out=True)
def nan_to_num(input: Tensor, nan: float | None = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    a = input._data
    if input.dtype.is_floating_point:
        info = np.finfo(a.dtype)
        a = np.nan_to_num(a, nan=0.0 if nan is None else nan, posinf=info.max if posinf is None else posinf,
                          neginf=info.min if neginf is None else neginf)
    out = result(a.copy(), input.dtype)
    return record(out, NanToNumBackward0, (input,), (input,))


def _frexp_grad(node: Any, grads: list, exponent: Tensor) -> tuple:
    g = grads[0]
    if g is None:
        return (None,)
    return (g / exp2(exponent.to(g.dtype)),)


FrexpBackward0 = node_class("FrexpBackward0", _frexp_grad, n_outputs=2, module=__name__)


@op("frexp", out=True)
def frexp(input: Tensor) -> tuple:
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = np.frexp(input._data)
    m = result(mantissa, input.dtype)
    e = result(exponent, dtypes.int32)
    record((m, e), FrexpBackward0, (input,), (e,))
    return structured("frexp", ("mantissa", "exponent"), (m, e))


@op("positive")
def positive(input: Tensor) -> Tensor:
    if input.dtype is dtypes.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


# ----- tests of sign and kind (never recorded) -----------------------------------------------------

@op("signbit", out=True)
def signbit(input: Tensor) -> Tensor:
    return result(np.signbit(input._data) if input.dtype is not dtypes.bool_ else np.zeros_like(input._data),
                  dtypes.bool_)


@op("isposinf", out=True)
def isposinf(input: Tensor) -> Tensor:
    return result(np.isposinf(input._data) if input.dtype.is_floating_point else np.zeros_like(input._data, bool),
                  dtypes.bool_)


@op("isneginf", out=True)
def isneginf(input: Tensor) -> Tensor:
    return result(np.isneginf(input._data) if input.dtype.is_floating_point else np.zeros_like(input._data, bool),
                  dtypes.bool_)


@op("isreal")
def isreal(input: Tensor) -> Tensor:
    return result(np.isreal(input._data), dtypes.bool_)

