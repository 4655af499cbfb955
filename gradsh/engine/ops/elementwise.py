"""Elementwise arithmetic and math: each forward with its backward node beside it."""

from __future__ import annotations

import cmath
import math
from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import no_grad, state
from ..graph import NO_EDGE, Node, edge, pending_output_packs
from ..registry import BINARY, DIRECT, INPLACE, op
from ..tensor import Tensor
from ._core import (
    _scalar_array,
    attach,
    flush_output_packs,
    promote2,
    result,
    save,
    save_output,
    sum_to,
    to_tensor,
    unpack,
)
from .formula import NUMPY_DTYPES, evaluate
from .inplace_forms import castable_first, in_place, recorded_comparison, tensor_other, unrecorded_in_place
from .unary import _vml, reciprocal

wrap = Tensor._wrap
_ndarray = np.ndarray
_BFLOAT16 = dtypes.bfloat16


def fit(g: Tensor, meta: tuple) -> Tensor:
    """A gradient brought back to its input's shape and dtype (PyTorch's engine does both)."""
    shape, dt = meta
    if g._data.shape != shape:
        g = sum_to(g, shape)
    if g.dtype is not dt:
        g = g.to(dt)
    return g


def _meta(t: Any) -> tuple | None:
    return (t._data.shape, t.dtype) if isinstance(t, Tensor) else None


def _edge(t: Any) -> tuple:
    return edge(t) if isinstance(t, Tensor) else NO_EDGE


def _rg(t: Any) -> bool:
    return isinstance(t, Tensor) and t._rg


def _floating(dt: dtypes.dtype) -> dtypes.dtype:
    return dt if dt.is_floating_point or dt.is_complex else dtypes.get_default_dtype()


def _add_function(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """torch.add(2, t): PyTorch makes a Python number first a tensor."""
    return add(input if isinstance(input, Tensor) else to_tensor(input), other, alpha=alpha)


def _pow_function(input: Any, exponent: Any) -> Tensor:
    """torch.pow(2, t) is the number-base overload."""
    return pow(input, exponent) if isinstance(input, Tensor) else rpow(exponent, input)


def _where_method(input: Tensor, condition: Tensor, other: Any) -> Tensor:
    """Tensor.where(condition, other) takes the tensor first."""
    return where(condition, input, other)


# ----- add / sub ----------------------------------------------------------------------------------

class AddBackward0(Node):
    __slots__ = ("a_meta", "alpha", "b_meta")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        ga = fit(g, self.a_meta) if fa is not None else None
        gb = None
        if fb is not None:
            gb = fit(g if self.alpha == 1 else g * self.alpha, self.b_meta)
        return ga, gb


class SubBackward0(Node):
    __slots__ = ("a_meta", "alpha", "b_meta")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        ga = fit(g, self.a_meta) if fa is not None else None
        gb = fit(-g if self.alpha == 1 else g * -self.alpha, self.b_meta) if fb is not None else None
        return ga, gb


@op("add", out=True, function=_add_function, inplace=True, dunders={"__add__": BINARY, "__radd__": BINARY, "__iadd__": INPLACE})
def add(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    dt = input.dtype
    if type(other) is Tensor and other.dtype is dt:  # promote2's first case, without the call
        x, y = input._data, other._data
    else:
        x, y, dt = promote2(input, other)
    data = x + y if alpha == 1 else x + y * alpha
    # result()'s own checks, inline: when they pass it would only wrap (one call less on this hot path)
    out = wrap(data, dt) if type(data) is _ndarray and data.dtype is dt.np and dt is not _BFLOAT16 else result(data, dt)
    if state.recording:
        # one isinstance on this hot path: a tensor operand, or a Python number (no edge)
        if isinstance(other, Tensor):
            if input._rg or other._rg:
                eb = edge(other)
                node = AddBackward0((edge(input), eb))
                # read only for an edge: a constant operand keeps no (shape, dtype), two tuples the GC would walk
                node.b_meta = None if eb[0] is None else (other._data.shape, other.dtype)
            else:
                return out
        elif input._rg:
            node = AddBackward0((edge(input), NO_EDGE))
            node.b_meta = None
        else:
            return out
        node.alpha = alpha
        node.a_meta = (input._data.shape, input.dtype)
        out._grad_fn = node  # attach(), inlined on this hot path (a fresh result: output 0)
        out._rg = True
        if pending_output_packs:
            flush_output_packs(out)
    return out


@op("sub", out=True, aliases=("subtract",), inplace=True, dunders={"__sub__": BINARY, "__isub__": INPLACE})
def sub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    x, y, dt = promote2(input, other)
    if dt is dtypes.bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
            "operator instead."
        )
    out = result(x - y if alpha == 1 else x - y * alpha, dt)
    if state.recording and (input._rg or _rg(other)):
        node = SubBackward0((edge(input), _edge(other)))
        node.alpha = alpha
        node.a_meta = (input._data.shape, input.dtype)
        node.b_meta = _meta(other)
        attach(out, node)
    return out


class RsubBackward1(Node):
    """`s - x`: the scalar overload, one edge."""

    __slots__ = ("alpha",)

    def apply(self, grads: list) -> tuple:
        return (-grads[0] if self.alpha == 1 else grads[0] * -self.alpha,)


class RsubBackward0(Node):
    __slots__ = ("a_meta", "alpha", "b_meta")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        ga = fit(-g if self.alpha == 1 else g * -self.alpha, self.a_meta) if fa is not None else None
        gb = fit(g, self.b_meta) if fb is not None else None
        return ga, gb


@op("rsub", dunders={"__rsub__": BINARY})
def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """b - alpha * a."""
    x, y, dt = promote2(input, other)
    out = result(y - x if alpha == 1 else y - x * alpha, dt)
    if state.recording and (input._rg or _rg(other)):
        if isinstance(other, Tensor):
            node = RsubBackward0((edge(input), edge(other)))
            node.a_meta, node.b_meta = _meta(input), _meta(other)
        else:
            node = RsubBackward1((edge(input),))
        node.alpha = alpha
        attach(out, node)
    return out


# ----- mul / div ----------------------------------------------------------------------------------

class MulBackward0(Node):
    __slots__ = ("a", "a_meta", "b", "b_meta")
    saved = ("a", "b")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        b = self.b
        if fb is None and type(b) is float and not state.grad_enabled and g.dtype in NUMPY_DTYPES:
            # x * number in a plain backward: the formula on numpy, the number as its cached 0-d array
            # (numpy's Python-float path costs 1 us)
            gd = g._data
            data = gd * _scalar_array(b, gd.dtype)
            meta = self.a_meta
            if type(data) is _ndarray and data.dtype is gd.dtype and gd.shape == meta[0] and g.dtype is meta[1]:
                return wrap(data, g.dtype), None  # result()'s and fit()'s checks inline: they would only wrap
            return fit(result(data, g.dtype), meta), None
        ga = fit(evaluate(self, _times, g, b), self.a_meta) if fa is not None else None
        gb = fit(evaluate(self, _times, g, self.a), self.b_meta) if fb is not None else None
        return ga, gb


def _times(g: Any, other: Any, m: Any) -> Any:
    return g * other


@op("mul", out=True, aliases=("multiply",), inplace=True, dunders={"__mul__": BINARY, "__rmul__": BINARY, "__imul__": INPLACE})
def mul(input: Tensor, other: Any) -> Tensor:
    dt = input.dtype
    if type(other) is Tensor and other.dtype is dt:  # promote2's first case, without the call
        x, y = input._data, other._data
    else:
        x, y, dt = promote2(input, other)
    data = x * y
    # result()'s own checks, inline: when they pass it would only wrap (one call less on this hot path)
    out = wrap(data, dt) if type(data) is _ndarray and data.dtype is dt.np and dt is not _BFLOAT16 else result(data, dt)
    if state.recording:
        if isinstance(other, Tensor):
            if not (input._rg or other._rg):
                return out
            node = MulBackward0((edge(input), edge(other)))
            node.b = save(other) if input._rg else None
            node.a = save(input) if other._rg else None
            node.b_meta = (other._data.shape, other.dtype)
        elif input._rg:
            node = MulBackward0((edge(input), NO_EDGE))
            node.b = other  # a Python number is kept as it is
            node.a = node.b_meta = None
        else:
            return out
        node.a_meta = (input._data.shape, input.dtype)
        out._grad_fn = node  # attach(), inlined on this hot path (a fresh result: output 0)
        out._rg = True
        if pending_output_packs:
            flush_output_packs(out)
    return out


class DivBackward0(Node):
    __slots__ = ("a", "a_meta", "b", "b_meta")
    saved = ("a", "b")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        ga = fit(evaluate(self, _over, g, self.b), self.a_meta) if fa is not None else None
        gb = fit(evaluate(self, _over_squared, g, self.a, self.b), self.b_meta) if fb is not None else None
        return ga, gb


def _over(g: Any, other: Any, m: Any) -> Any:
    return g / other


def _over_squared(g: Any, self: Any, other: Any, m: Any) -> Any:
    return -g * self / (other * other)


@op("div", out=True, aliases=("divide",), inplace=True, dunders={"__truediv__": BINARY, "__itruediv__": INPLACE})
def div(input: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    if rounding_mode is not None:
        return _rounded_divide(input, other, rounding_mode)
    x, y, dt = promote2(input, other)
    dt = _floating(dt)
    out = result(np.true_divide(x, y), dt)
    if state.recording and (input._rg or _rg(other)):
        node = DivBackward0((edge(input), _edge(other)))
        node.b = save(other)
        node.a = save(input) if _rg(other) else None
        node.a_meta = (input._data.shape, input.dtype)
        node.b_meta = _meta(other)
        attach(out, node)
    return out



@op("true_divide", out=True, inplace=True)
def true_divide(input: Tensor, other: Any) -> Tensor:
    """div without rounding_mode (PyTorch keeps it as its own name)."""
    return div(input, other)

@op("rdiv", function=False, method=False, dunders={"__rtruediv__": BINARY, "__rdiv__": BINARY})
def rdiv(a: Tensor, s: Any) -> Tensor:
    """`s / x` is `x.reciprocal() * s` in PyTorch (MulBackward0 over ReciprocalBackward0), a tensor s too."""
    return mul(reciprocal(a), s)


class NotImplemented(Node):
    __slots__ = ("op",)

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def apply(self, grads: list) -> tuple:
        raise RuntimeError(f"derivative for {self.op} is not implemented")


@op("floor_divide", out=True, inplace=True, dunders={"__floordiv__": BINARY, "__ifloordiv__": INPLACE})
def floor_divide(input: Tensor, other: Any) -> Tensor:
    x, y, dt = promote2(input, other)
    out = result(np.floor_divide(x, y), dt)
    if state.recording and (input._rg or _rg(other)):
        node = NotImplemented((edge(input), _edge(other)))
        node.op = "aten::floor_divide"
        attach(out, node)
    return out


@op("rfloordiv", function=False, method=False, dunders={"__rfloordiv__": BINARY})
def rfloordiv(a: Tensor, b: Any) -> Tensor:
    """`b // a` with a number b: the number becomes a tensor first."""
    return floor_divide(b if isinstance(b, Tensor) else to_tensor(b), a)


class DivBackward2(Node):
    """div with a rounding mode: recorded, with gradient zero for both operands."""

    __slots__ = ("metas",)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        return tuple(None if meta is None else fit(g * 0, meta) for meta in self.metas)


def _rounded_divide(a: Tensor, b: Any, mode: str) -> Tensor:
    if mode not in ("floor", "trunc"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'")
    x, y, dt = promote2(a, b)
    if dt.is_floating_point or dt.is_complex:
        with np.errstate(all="ignore"):
            q = np.floor_divide(x, y) if mode == "floor" else np.trunc(np.true_divide(x, y))
    else:
        if np.any(np.asarray(y) == 0):
            raise RuntimeError("ZeroDivisionError")
        q = np.floor_divide(x, y)
        if mode == "trunc":  # floor rounds negative quotients down; trunc moves the inexact ones back up
            q = q + ((q < 0) & (q * y != x))
    out = result(q, dt)
    if state.recording and (a._rg or _rg(b)):
        node = DivBackward2((edge(a), _edge(b)))
        node.metas = (_meta(a), _meta(b))
        attach(out, node)
    return out


# ----- pow ----------------------------------------------------------------------------------------

class PowBackward0(Node):
    """x ** s (a number exponent): one edge."""

    __slots__ = ("exponent", "x")
    saved = ("x",)

    def apply(self, grads: list) -> tuple:
        s = self.exponent
        x = unpack(self.x, self)
        if s == 0:
            return (grads[0] * 0,)
        if x.dtype.is_complex or isinstance(s, complex):  # PyTorch's complex convention: the conjugated derivative
            return (grads[0] * (x.pow(s - 1) * s).conj(),)
        # PyTorch's pow_backward groups grad * (s * x.pow(s - 1)): s multiplies the power first (not the same
        # float32 rounding as (grad * s) * ..., unless s is a power of two); x ** 1 is x itself
        return (grads[0] * ((x if s == 2 else x.pow(s - 1)) * s),)


class PowBackward1(Node):
    """x ** y with two tensors."""

    __slots__ = ("a_meta", "b_meta", "out", "x", "y")
    saved = ("x", "y", "out")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        x, y = unpack(self.x, self), unpack(self.y, self)
        ga = gb = None
        if fa is not None:  # PyTorch's pow_backward_self: grouping kept (float32 rounding), the derivative conjugated
            ga = fit(where(y == 0, 0.0, g * (y * x.pow(y - 1)).conj()), self.a_meta)
        if fb is not None:  # pow_backward_exponent: log of the base in the result's dtype (complex for a complex power)
            out = unpack(self.out, self)
            gb = fit(g * where((x == 0) & _nonnegative_real(y), 0.0, (out * x.to(out.dtype).log()).conj()), self.b_meta)
        return ga, gb


def _nonnegative_real(y: Tensor) -> Tensor:
    """y >= 0, for a complex y: a real number >= 0 (where 0 ** y has gradient 0 w.r.t. y)."""
    if not y.dtype.is_complex:
        return y >= 0
    return (y.imag == 0) & (y.real >= 0)


def _log_of_number(base: Any, complex_power: bool) -> Any:
    """log(base) as PyTorch's pow_backward_exponent takes it: complex for a complex power, -inf for 0, NaN below 0."""
    if complex_power or isinstance(base, complex):
        return complex(-math.inf, 0) if base == 0 else cmath.log(complex(base))
    return math.log(base) if base > 0 else (-math.inf if base == 0 else math.nan)


class PowBackward2(Node):
    """s ** x (a number base): one edge, saves the result."""

    __slots__ = ("base", "out", "real_input", "x")
    saved = ("out", "x")  # x only for base 0 (where the gradient is 0 for a real x >= 0)

    def apply(self, grads: list) -> tuple:
        out = unpack(self.out, self)
        complex_power = out.dtype.is_complex
        d = out * _log_of_number(self.base, complex_power)
        if complex_power:
            d = d.conj()
        if self.base == 0:
            d = where(_nonnegative_real(unpack(self.x, self)), 0.0, d)
        g = grads[0] * d
        return (g.real if self.real_input and g.dtype.is_complex else g,)  # a real exponent: handle_r_to_c


def int_safe_power(x: Any, y: Any) -> np.ndarray:
    """np.power, but an integer to a negative integer power is PyTorch's: 1 for base 1, +-1 for base -1, else 0."""
    y_arr = np.asarray(y)
    if y_arr.dtype.kind not in "iu" or np.asarray(x).dtype.kind not in "iu" or not (y_arr < 0).any():
        return np.power(x, y)
    x_arr = np.asarray(x)
    negative = y_arr < 0
    safe = np.power(x_arr, np.where(negative, 0, y_arr))
    odd = (y_arr % 2) != 0
    special = np.where(x_arr == 1, 1, np.where(x_arr == -1, np.where(odd, -1, 1), 0)).astype(safe.dtype)
    return np.where(negative, special, safe)


_REAL_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_mkl_sqrt = _vml("Sqrt", np.sqrt)  # x ** 0.5 is PyTorch's sqrt kernel: MKL's vsSqrt/vdSqrt (not correctly rounded)


def _float_power_scalar(x: np.ndarray, y: Any) -> np.ndarray:
    """float32/float64 x ** y for a number y as ATen's pow_tensor_scalar kernels compute it.

    Pow.cpp and PowKernel.cpp special-case these exponents by IEEE arithmetic in the dtype (each product
    rounded: (x*x)*x is not np.power's correctly rounded cube); every other exponent is SLEEF's pow on the
    vector body and libm's on the scalar tail, which numpy can only approach (float32: double pow rounded).
    """
    if y == 2:
        return x * x
    if y == 3:
        return x * x * x
    if y == -1:
        return 1 / x
    if y == -2:
        return 1 / (x * x)
    if y == 0.5:
        return _mkl_sqrt(x)
    if y == -0.5:
        return 1 / np.sqrt(x)
    if y == 0:
        return np.ones_like(x)
    if y == 1:
        return x.copy()
    if x.dtype == np.float32:
        return np.power(x.astype(np.float64), float(y)).astype(np.float32)
    return np.power(x, y)


@op("pow", out=True, function=_pow_function, inplace=True, dunders={"__pow__": BINARY, "__ipow__": INPLACE})
def pow(input: Tensor, exponent: Any) -> Tensor:
    if isinstance(exponent, Tensor):
        x, y, dt = promote2(input, exponent)
        if dt is dtypes.float32:  # sleef's powf is faithful: float64 pow rounded agrees far more often than powf
            out = result(np.power(x.astype(np.float64), y).astype(np.float32), dt)
        else:
            out = result(int_safe_power(x, y), dt)
        if state.recording and (input._rg or exponent._rg):
            node = PowBackward1((edge(input), edge(exponent)))
            node.x, node.y = save(input), save(exponent)
            node.out = save_output(out) if exponent._rg else None
            node.a_meta, node.b_meta = _meta(input), _meta(exponent)
            attach(out, node)
        return out
    x, y, dt = promote2(input, exponent)
    if not dt.is_floating_point and not dt.is_complex and isinstance(exponent, int) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if x.dtype in _REAL_FLOATS and not isinstance(exponent, complex):
        data = _float_power_scalar(np.asarray(x), exponent)
    else:
        data = x * x if y == 2 else np.power(x, y)
    out = result(data, dt)
    if state.recording and input._rg:
        node = PowBackward0((edge(input),))
        node.x = save(input)
        node.exponent = exponent
        attach(out, node)
    return out


@op("rpow", function=False, method=False, dunders={"__rpow__": BINARY})
def rpow(a: Tensor, s: Any) -> Tensor:
    """s ** x."""
    if isinstance(s, Tensor):
        return pow(s, a)
    base = to_tensor(s)
    x, y, dt = promote2(a, s)
    dt = _floating(dt) if isinstance(s, float) else dt
    out = result(int_safe_power(np.asarray(y, dtype=dt.np), x.astype(dt.np)), dt)
    del base
    if state.recording and a._rg:
        node = PowBackward2((edge(a),))
        node.base = s
        node.out = save_output(out)
        node.x = save(a) if s == 0 else None
        node.real_input = not a.dtype.is_complex
        attach(out, node)
    return out


# ----- unary ops outside the table (ops/unary.py holds the regular ones) --------------------------

class _SavesInput(Node):
    __slots__ = ("x",)
    saved = ("x",)


class _SavesResult(Node):
    __slots__ = ("out",)
    saved = ("out",)


def _unary_data(x: Tensor, fn: Any) -> tuple:
    """fn of x's values in floating point (an integer input as the default dtype), and that dtype."""
    dt = _floating(x.dtype)
    data = x._data if dt is x.dtype else x._data.astype(dt.np)
    return fn(data), dt


class NegBackward0(Node):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        return (-grads[0],)


class RoundBackward0(Node):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        return (grads[0] * 0,)


@op("neg", out=True, aliases=("negative",), inplace=True, dunders={"__neg__": DIRECT})
def neg(input: Tensor) -> Tensor:
    if input.dtype is dtypes.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, "
            "use the `~` or `logical_not()` operator instead."
        )
    out = result(np.negative(input._data), input.dtype)
    if state.recording and input._rg:
        attach(out, NegBackward0((edge(input),)))
    return out


class RoundBackward1(RoundBackward0):
    __slots__ = ()


def _round_data(a: np.ndarray, decimals: int) -> np.ndarray:
    """PyTorch's rounding to `decimals` places: nearbyint(x * 10^d) / 10^d (or / and * for d < 0)."""
    ten = np.asarray(10.0 ** abs(decimals), a.dtype)
    with np.errstate(all="ignore"):
        return np.rint(a * ten) / ten if decimals > 0 else np.rint(a / ten) * ten


@op("round", out=True, inplace=True)
def round(input: Tensor, *, decimals: int | None = None) -> Tensor:
    if decimals and not input.dtype.is_floating_point:
        raise RuntimeError(f'"round_cpu" not implemented for \'{input.dtype.scalar_name}\'')
    out = result(_round_data(input._data, decimals) if decimals else np.rint(input._data), input.dtype)
    if state.recording and input._rg:
        # round(x) and round(x, decimals=d) are two overloads with two nodes, even for d == 0
        attach(out, (RoundBackward0 if decimals is None else RoundBackward1)((edge(input),)))
    return out


@op("square", out=True, inplace=True)
def square(input: Tensor) -> Tensor:
    return pow(input, 2)



# ----- clamp, where, maximum / minimum ------------------------------------------------------------

class ClampBackward1(_SavesInput):
    """clamp with number bounds."""

    __slots__ = ("hi", "lo")

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        mask = np.ones(x._data.shape, dtype=bool)
        if self.lo is not None:
            mask &= x._data >= self.lo
        if self.hi is not None:
            mask &= x._data <= self.hi
        return (grads[0] * Tensor._wrap(mask, dtypes.bool_),)


class ClampBackward0(Node):
    """clamp with tensor bounds."""

    __slots__ = ("hi", "lo", "metas", "x")
    saved = ("x", "lo", "hi")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        x = unpack(self.x, self)
        lo, hi = unpack(self.lo, self), unpack(self.hi, self)
        lo_d = None if lo is None else np.broadcast_to(lo._data if isinstance(lo, Tensor) else lo, x._data.shape)
        hi_d = None if hi is None else np.broadcast_to(hi._data if isinstance(hi, Tensor) else hi, x._data.shape)
        inside = np.ones(np.broadcast_shapes(x._data.shape, g._data.shape), dtype=bool)
        if lo_d is not None:
            inside &= x._data >= lo_d
        if hi_d is not None:
            inside &= x._data <= hi_d
        fx, flo, fhi = (e[0] for e in self.next_functions)
        gx = fit(g * Tensor._wrap(inside, dtypes.bool_), self.metas[0]) if fx is not None else None
        glo = ghi = None
        # where the bounds cross (max < min) the result is max: its gradient goes to max alone
        crossed = False if lo_d is None or hi_d is None else hi_d < lo_d
        if flo is not None:
            glo = fit(g * Tensor._wrap((x._data < lo_d) & ~crossed, dtypes.bool_), self.metas[1])
        if fhi is not None:
            ghi = fit(g * Tensor._wrap((x._data > hi_d) | crossed, dtypes.bool_), self.metas[2])
        return gx, glo, ghi


@op("clamp", out=True, aliases=("clip",), inplace=True)
def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        data = input._data
        if min is not None:
            data = np.maximum(data, min._data if isinstance(min, Tensor) else min)
        if max is not None:
            data = np.minimum(data, max._data if isinstance(max, Tensor) else max)
        out = result(data, input.dtype)
        if state.recording and (input._rg or _rg(min) or _rg(max)):
            node = ClampBackward0((edge(input), _edge(min), _edge(max)))
            node.x, node.lo, node.hi = save(input), save(min), save(max)
            node.metas = (_meta(input), _meta(min), _meta(max))
            attach(out, node)
        return out
    data = input._data
    if min is not None:
        data = np.maximum(data, min)
    if max is not None:
        data = np.minimum(data, max)
    dt = input.dtype
    if isinstance(min, float) or isinstance(max, float):
        dt = _floating(dt)
    out = result(data, dt)
    if state.recording and input._rg:
        node = ClampBackward1((edge(input),))
        node.x = save(input)
        node.lo, node.hi = min, max
        attach(out, node)
    return out


class ClampMinBackward0(ClampBackward1):
    """clamp_min with a number bound (ClampBackward1's formula, PyTorch's own node name)."""

    __slots__ = ()


class ClampMaxBackward0(ClampBackward1):
    __slots__ = ()


class ClampMinBackward1(Node):
    """clamp_min with a tensor bound: two edges, the input's and the bound's."""

    __slots__ = ("bound", "metas", "x")
    saved = ("x", "bound")
    keep_above = True

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        x, bound = unpack(self.x, self), unpack(self.bound, self)
        keep = x._data >= bound._data if self.keep_above else x._data <= bound._data
        (fx, _), (fb, _) = self.next_functions
        gx = fit(g * Tensor._wrap(keep, dtypes.bool_), self.metas[0]) if fx is not None else None
        gb = fit(g * Tensor._wrap(~keep, dtypes.bool_), self.metas[1]) if fb is not None else None
        return gx, gb


class ClampMaxBackward1(ClampMinBackward1):
    __slots__ = ()
    keep_above = False


def _clamp_one(x: Tensor, lo: Any, hi: Any, number_node: type, tensor_node: type) -> Tensor:
    bound = hi if lo is None else lo
    with no_grad():
        out = clamp(x, lo, hi)
    if state.recording and (x._rg or _rg(bound)):
        if isinstance(bound, Tensor):
            node = tensor_node((edge(x), edge(bound)))
            node.x, node.bound = save(x), save(bound)
            node.metas = (_meta(x), _meta(bound))
        else:
            node = number_node((edge(x),))
            node.x, node.lo, node.hi = save(x), lo, hi
        attach(out, node)
    return out


@op("clamp_min", inplace=True, out=True)
def clamp_min(input: Tensor, min: Any) -> Tensor:
    return _clamp_one(input, min, None, ClampMinBackward0, ClampMinBackward1)


@op("clamp_max", inplace=True, out=True)
def clamp_max(input: Tensor, max: Any) -> Tensor:
    return _clamp_one(input, None, max, ClampMaxBackward0, ClampMaxBackward1)


class WhereBackward0(Node):
    __slots__ = ("cond", "metas")
    saved = ("cond",)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        cond = unpack(self.cond, self)
        (fa, _), (fb, _) = self.next_functions
        # a literal 0, not g * 0: a nan or inf gradient must not leak into the side not taken
        ga = fit(where(cond, g, 0), self.metas[0]) if fa is not None else None
        gb = fit(where(cond, 0, g), self.metas[1]) if fb is not None else None
        return ga, gb


@op("where", out=True, method=_where_method)
def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    if input is None and other is None:
        from .indexing import nonzero  # cycle: ops/indexing imports elementwise

        return nonzero(condition, as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{dtypes.from_numpy_dtype(cond.dtype).scalar_name}")
    if isinstance(input, Tensor):
        a, b, dt = promote2(input, other)
    elif isinstance(other, Tensor):
        b, a, dt = promote2(other, input)
    else:
        a, b = input, other
        dt = dtypes.result_type([], [], [dtypes.scalar_category(input), dtypes.scalar_category(other)])
    out = result(np.where(cond, a, b), dt)
    if state.recording and (_rg(input) or _rg(other)):
        node = WhereBackward0((_edge(input), _edge(other)))
        node.cond = condition if isinstance(condition, Tensor) else to_tensor(cond)
        node.metas = (_meta(input), _meta(other))
        attach(out, node)
    return out


class MaximumBackward0(Node):
    __slots__ = ("a", "b", "metas")
    saved = ("a", "b")
    _pick = staticmethod(np.greater)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        a, b = unpack(self.a, self), unpack(self.b, self)
        wins = self._pick(a._data, b._data)
        ties = a._data == b._data
        wa = np.where(ties, 0.5, wins.astype(g._data.dtype))
        wb = np.where(ties, 0.5, (~wins & ~ties).astype(g._data.dtype))
        (fa, _), (fb, _) = self.next_functions
        ga = fit(g * Tensor._wrap(wa.astype(g._data.dtype), g.dtype), self.metas[0]) if fa is not None else None
        gb = fit(g * Tensor._wrap(wb.astype(g._data.dtype), g.dtype), self.metas[1]) if fb is not None else None
        return ga, gb


class MinimumBackward0(MaximumBackward0):
    __slots__ = ()
    _pick = staticmethod(np.less)


def _extremum(a: Tensor, b: Any, fn: Any, node_cls: type) -> Tensor:
    b = to_tensor(b)
    x, y, dt = promote2(a, b)
    out = result(fn(x, y), dt)
    if state.recording and (a._rg or b._rg):
        node = node_cls((edge(a), edge(b)))
        node.a, node.b = save(a), save(b)
        node.metas = (_meta(a), _meta(b))
        attach(out, node)
    return out


@op("maximum", out=True)
def maximum(input: Tensor, other: Any) -> Tensor:
    return _extremum(input, other, np.maximum, MaximumBackward0)


@op("minimum", out=True)
def minimum(input: Tensor, other: Any) -> Tensor:
    return _extremum(input, other, np.minimum, MinimumBackward0)


# ----- comparisons and logic (never recorded) -----------------------------------------------------

def _named(fn: Any, name: str) -> Any:
    """A generated forward named as PyTorch names the op (Python's argument errors quote the name)."""
    fn.__name__ = fn.__qualname__ = name
    return fn


def _compare(name: str, fn: Any) -> Any:
    def compare(input: Tensor, other: Any) -> Tensor:
        if not isinstance(other, (Tensor, int, float, bool, complex)):
            other = to_tensor(other)
        x, y, _ = promote2(input, other)
        return result(fn(x, y), dtypes.bool_)

    return _named(compare, name)


def _comparison(name: str, fn: Any, dunder: str) -> Any:
    """A comparison op; its in-place form (`eq_`) is recorded, with a zero gradient, as PyTorch's is."""
    forward = _compare(name, fn)
    return op(name, out=True, inplace=in_place(recorded_comparison(forward)), dunders={dunder: BINARY})(forward)


eq = _comparison("eq", np.equal, "__eq__")
ne = _comparison("ne", np.not_equal, "__ne__")
lt = _comparison("lt", np.less, "__lt__")
le = _comparison("le", np.less_equal, "__le__")
gt = _comparison("gt", np.greater, "__gt__")
ge = _comparison("ge", np.greater_equal, "__ge__")


def _logical(name: str, fn: Any) -> Any:
    def logical(input: Tensor, other: Any) -> Tensor:
        x, y, _ = promote2(input, to_tensor(other) if not isinstance(other, (Tensor, int, float, bool)) else other)
        return result(fn(x, y), dtypes.bool_)

    return _named(logical, name)


def _logical_op(name: str, fn: Any) -> Any:
    forward = _logical(name, fn)
    return op(name, out=True, inplace=unrecorded_in_place(tensor_other(forward)))(forward)


logical_and = _logical_op("logical_and", np.logical_and)
logical_or = _logical_op("logical_or", np.logical_or)
logical_xor = _logical_op("logical_xor", np.logical_xor)


@op("logical_not", out=True, inplace=unrecorded_in_place(lambda input: logical_not(input), "logical_not_"))
def logical_not(input: Tensor) -> Tensor:
    return result(np.logical_not(input._data), dtypes.bool_)


def _bitwise(name: str, fn: Any) -> Any:
    def bitwise(input: Tensor, other: Any) -> Tensor:
        x, y, dt = promote2(input, other)
        if dt.is_floating_point or dt.is_complex:
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{dt.scalar_name}'")
        return result(fn(x, y), dt)

    return _named(bitwise, name)


_bitwise_and = _bitwise("bitwise_and", np.bitwise_and)
_bitwise_or = _bitwise("bitwise_or", np.bitwise_or)
_bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor)
bitwise_and = op("bitwise_and", out=True, inplace=in_place(castable_first(_bitwise_and)), dunders={"__iand__": INPLACE, "__and__": BINARY, "__rand__": BINARY})(_bitwise_and)
bitwise_or = op("bitwise_or", out=True, inplace=in_place(castable_first(_bitwise_or)), dunders={"__ior__": INPLACE, "__or__": BINARY, "__ror__": BINARY})(_bitwise_or)
bitwise_xor = op("bitwise_xor", out=True, inplace=in_place(castable_first(_bitwise_xor)), dunders={"__ixor__": INPLACE, "__xor__": BINARY, "__rxor__": BINARY})(_bitwise_xor)


@op("bitwise_not", out=True, inplace=True, dunders={"__invert__": DIRECT})
def bitwise_not(input: Tensor) -> Tensor:
    if input.dtype.is_floating_point or input.dtype.is_complex:
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{input.dtype.scalar_name}'")
    return result(np.logical_not(input._data) if input.dtype is dtypes.bool_ else np.invert(input._data), input.dtype)


@op("isnan")
def isnan(input: Tensor) -> Tensor:
    return result(np.isnan(input._data), dtypes.bool_)


@op("isinf")
def isinf(input: Tensor) -> Tensor:
    return result(np.isinf(input._data), dtypes.bool_)


@op("isfinite")
def isfinite(input: Tensor) -> Tensor:
    return result(np.isfinite(input._data), dtypes.bool_)
