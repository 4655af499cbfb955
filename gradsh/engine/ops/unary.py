"""Unary elementwise math as a table: one row an op.

A row gives PyTorch's name, its node's name, the numpy forward, what the node saves (the input, the
result or nothing) and the backward formula, written once as `grad(g, s, m)`: the incoming gradient
`g`, the saved value `s` and a math namespace `m` (ops/formula.py evaluates it on numpy arrays in a
plain backward and on Tensors under `create_graph`; each row's forward joins both namespaces).

Adding an op of this family is one row at the bottom of this file.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes, exact_math
from ..grad_mode import state
from ..graph import Node, SavedTensor, edge, pending_output_packs
from ..random import _fma64  # the engine's single-rounding fma (numpy has none)
from ..registry import DIRECT, op
from ..tensor import Tensor
from ._core import flush_output_packs, result, save, save_output
from .formula import NUMPY_DTYPES, NUMPY_MATH, TENSOR_MATH, evaluate
from .grad_linear import threshold_backward as _threshold_backward  # noqa: F401 - fills m.threshold_backward
from .grad_nonlinear import recorded_kernel

INPUT = "input"
RESULT = "result"

_FLOAT32 = dtypes.float32
_SMALL = 4096
_ndarray = np.ndarray
_float32, _float64 = np.float32, np.float64
_F32 = np.dtype(np.float32)
_wrap = Tensor._wrap


def _floating(dt: dtypes.dtype) -> dtypes.dtype:
    return dt if dt.is_floating_point or dt.is_complex else dtypes.get_default_dtype()


def _in_double(fn: Callable) -> Callable:
    """float32 evaluated in double and rounded back.

    numpy's float32 SIMD kernels are often 1 ulp off PyTorch's (MKL VML / SLEEF); in double and rounded
    they agree far more often (spec/elementwise.md measures it per op).
    """

    def kernel(a: np.ndarray) -> np.ndarray:
        if a.dtype != np.float32:
            return fn(a)
        if a.size > _SMALL:
            # through numpy's small cast buffers: no float64 copy of a large input
            out = np.empty(a.shape, np.float32)
            fn(a, out=out, dtype=np.float64, casting="unsafe")
            return out
        return fn(a.astype(np.float64)).astype(np.float32)

    kernel.in_double = fn  # the forward's small-float32 path calls fn itself (one call less a op)
    return kernel


_MKL_DTYPES = frozenset((np.dtype(np.float32), np.dtype(np.float64)))


def _vml(name: str, fallback: Callable) -> Callable:
    """A row PyTorch computes with MKL's `vms<name>`/`vmd<name>`: MKL itself where the `exact` extra is installed.

    This is the one switch between the two: with `gradsh[exact]` float32 and float64 arrays go to the MKL
    release inside PyTorch's wheel (gradsh/engine/exact_math.py) and get PyTorch's bits; without it (and for
    other dtypes) `fallback`, the numpy kernel, runs as before. MKL is looked for at the first call.
    """
    mkl: list = []  # [the MKL kernel or None], filled at the first call

    def kernel(a: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
        if not mkl:
            mkl.append(exact_math.vml(name))
        f = mkl[0]
        if f is not None and a.dtype in _MKL_DTYPES and not args and not kwargs:
            return f(a)
        return fallback(a, *args, **kwargs)

    kernel.__name__ = getattr(fallback, "__name__", name)
    kernel.vml = name
    kernel.mkl = mkl  # the small-float32 forward calls MKL's kernel from here directly once it was looked for
    return kernel


class UnaryNode(Node):
    """The node of a table row: its class gives the formula and what `saved_value` holds."""

    __slots__ = ("saved_value",)
    saved = ("saved_value",)
    formula: Callable = staticmethod(lambda g, s, m: g)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        s = self.saved_value
        if not state.grad_enabled and g.dtype in NUMPY_DTYPES:
            # formula.evaluate() inlined for one saved value: this is the hot path of a plain backward
            gd = g._data
            if type(s) is SavedTensor:
                s = s.array(self)
                if s.dtype != gd.dtype:
                    return (evaluate(self, self.formula, g, self.saved_value),)
            r = self.formula(gd, s, NUMPY_MATH)
            if type(r) is _ndarray and r.dtype is gd.dtype:
                return (Tensor._wrap(r, g.dtype),)
            return (result(r, g.dtype),)
        return (evaluate(self, self.formula, g, self.saved_value),)


def unary(
    name: str,
    node: str,
    fn: Callable,
    saves: str | None,
    grad: Callable,
    *,
    keeps_dtype: bool = False,
    aliases: tuple[str, ...] = (),
    dunders: dict[str, str] | None = None,
    out: bool = True,
    integral: Callable | None = None,
) -> Callable:
    """Declare one row: the forward `torch.name` / `Tensor.name` / `Tensor.name_` and its node class `node`.

    `fn` maps an array to the result's values; `keeps_dtype` ops (floor, abs, ...) keep the input's dtype,
    the others compute in floating point (integers as the default dtype). `integral(input)`, where given,
    checks an integer or bool input first (it raises PyTorch's error for ops without integer kernels).
    """
    node_cls = type(node, (UnaryNode,), {"__slots__": (), "formula": staticmethod(grad), "__module__": __name__})
    if saves is None:
        node_cls.saved = ()
    node_cls.saves_result = saves is RESULT  # its `_saved_result` (else `_saved_self`), as PyTorch names it

    if keeps_dtype:
        def forward(input: Tensor) -> Tensor:
            if integral is not None and not (input.dtype.is_floating_point or input.dtype.is_complex):
                integral(input)
            data = fn(input._data)
            out = result(data, _real_of(input.dtype) if input.dtype.is_complex and data.dtype.kind != "c" else input.dtype)
            if state.recording and input._rg:
                return _record(input, out, node_cls, saves)
            return out
    else:
        double = getattr(fn, "in_double", None)
        mkl = getattr(fn, "mkl", None)  # a _vml row's [MKL kernel or None], filled at its first call

        def forward(input: Tensor) -> Tensor:
            x = input._data
            if input.dtype is _FLOAT32 and x.size <= _SMALL:
                # the common small float32 case, without result()'s general checks (nor _vml's wrapper)
                if mkl and mkl[0] is not None:
                    data = mkl[0](x)
                else:
                    data = double(x.astype(_float64)).astype(_float32) if double is not None else fn(x)
                if type(data) is not _ndarray:  # a 0-d input gives numpy's scalar back
                    data = np.asarray(data)
                out = _wrap(data, _FLOAT32)
            else:
                dt = _floating(input.dtype)
                data = fn(x if dt is input.dtype else x.astype(dt.np))
                if dt.is_complex and data.dtype.kind != "c":  # abs, angle of a complex number: real
                    dt = _real_of(dt)
                out = result(data, dt)
            if state.recording and input._rg:
                return _record(input, out, node_cls, saves)
            return out

    forward.__name__ = forward.__qualname__ = name
    forward.node = node_cls
    setattr(NUMPY_MATH, name, fn)
    setattr(TENSOR_MATH, name, forward)
    globals()[node] = node_cls  # importable and greppable by PyTorch's name
    return op(name, aliases=aliases, inplace=True, dunders=dunders, out=out)(forward)


def _record(x: Tensor, out: Tensor, node_cls: type, saves: str | None) -> Tensor:
    """The row's node on `out` (the forwards call this only when grad mode records and x requires grad)."""
    node = node_cls((edge(x),))
    if saves is INPUT:
        node.saved_value = save(x)
    elif saves is RESULT:
        node.saved_value = save_output(out)
    else:
        node.saved_value = None
    out._grad_fn = node  # attach(), inlined on this hot path (a fresh result: output 0)
    out._rg = True
    if pending_output_packs:
        flush_output_packs(out)
    return out


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def _rsqrt(a: np.ndarray) -> np.ndarray:
    return 1 / np.sqrt(a)


def _relu(a: np.ndarray) -> np.ndarray:
    return a if a.dtype == np.bool_ else np.maximum(a, 0)


def _zero(g: Any, s: Any, m: Any) -> Any:
    """floor, ceil, trunc, sign: recorded, with gradient zero."""
    return g * 0


def _one_minus_square32(y: np.ndarray) -> np.ndarray:
    """fma(-y, y, 1) in float32 with one rounding: 1 - y*y in double, then rounded to float32.

    That is exact, not merely close: y*y is exact in double (24 + 24 bits); for |y| >= 2**-3 the difference is
    exact too (it spans at most 53 bits), so the one rounding is the cast; for smaller |y| the difference is
    rounded once in double, and a second rounding could only go wrong on a float32 midpoint, which no float32 y
    reaches (checked exhaustively for 2**-13 <= |y| < 2**-3; below that 1 - y*y lies above the last midpoint
    below 1). Four numpy calls, where the general _fma32 takes eight: a tanh backward on tiny tensors. The
    one is a 0-d float64 array, not 1.0: numpy resolves a Python float against an array in ~0.3 us.
    """
    if _SCRATCH_MIN <= y.size <= _SCRATCH_MAX and type(y) is _ndarray and y.flags.c_contiguous:
        out = _float64_scratch(y.size).reshape(y.shape)
        np.copyto(out, y)
    else:
        out = y.astype(_float64)
        if type(out) is not _ndarray:  # a numpy scalar in, a numpy scalar out
            return np.asarray(_ONE64 - out * out).astype(_float32)
    np.multiply(out, out, out=out)
    np.subtract(_ONE64, out, out=out)
    return out.astype(_float32)


_ONE64 = np.ones((), np.float64)
_ONE64.flags.writeable = False
# A large float64 temporary is memory glibc maps fresh from the kernel at every call (a page fault every 4 KiB:
# in a backward over 10^5-element tensors the cast to double took ~7x its warm time); a buffer kept per thread
# stays mapped. Only between these sizes: smaller blocks come from the heap warm anyway, and no thread keeps
# more than 8 MiB.
_SCRATCH_MIN = 1 << 15
_SCRATCH_MAX = 1 << 20
_scratch = threading.local()


def _float64_scratch(n: int) -> np.ndarray:
    """This thread's float64 scratch buffer, at least n long (its first n elements; contents undefined)."""
    buf = getattr(_scratch, "buf", None)
    if buf is None or buf.size < n:
        buf = _scratch.buf = np.empty(n, np.float64)
    return buf[:n]


def _one_minus_square(y: Any) -> Any:
    """1 - y*y as PyTorch's tanh_backward kernel computes it: one fused multiply-add (the compiler contracts it).

    On Tensors (create_graph) the graph is that of `1 - y*y`, whose derivative does not depend on the rounding,
    and the value is the fused one, so both paths give the same bits.
    """
    if type(y) is _ndarray and y.dtype is _F32:  # a plain backward's float32 array: the common case first
        return _one_minus_square32(y)
    if isinstance(y, Tensor):
        t = 1 - y * y
        t._data = _one_minus_square(y._data) if y.dtype in (dtypes.float32, dtypes.float64) else t._data
        return t
    if y.dtype == np.float32:
        return _one_minus_square32(y)
    if y.dtype == np.float64:
        return _fma64(-y, y, 1.0)
    return 1 - y * y


def _tanh_backward(g: Any, y: Any) -> Any:
    return g * _one_minus_square(y)


def _sigmoid_backward(g: Any, y: Any) -> Any:
    return g * (1 - y) * y  # ATen's kernel's order: g * (y * (1 - y)) rounds otherwise in a third of the elements


def _tanh_backward_grads(gg: Tensor, go: Tensor, y: Tensor) -> tuple:
    """derivatives.yaml's tanh_backward: grad_output `tanh_backward(grad, output)`, output
    `grad * (-2 * output * grad_output)` (C++ Scalar products: MulBackward1)."""
    from .aten import mul_scalar  # cycle: aten imports elementwise, which imports this table

    return tanh_backward(gg, y), gg * (mul_scalar(y, -2) * go)


def _sigmoid_backward_grads(gg: Tensor, go: Tensor, y: Tensor) -> tuple:
    """derivatives.yaml's sigmoid_backward: grad_output `sigmoid_backward(grad, output)`, output
    `grad * grad_output * (-2 * output + 1)`."""
    from .aten import add_scalar, mul_scalar  # cycle: aten imports elementwise, which imports this table

    return sigmoid_backward(gg, y), (gg * go) * add_scalar(mul_scalar(y, -2), 1)


# aten::tanh_backward / sigmoid_backward: under create_graph one node each, as PyTorch records them
tanh_backward = recorded_kernel("TanhBackwardBackward0", _tanh_backward, _tanh_backward_grads)
sigmoid_backward = recorded_kernel("SigmoidBackwardBackward0", _sigmoid_backward, _sigmoid_backward_grads)
NUMPY_MATH.tanh_backward = _tanh_backward
TENSOR_MATH.tanh_backward = tanh_backward
NUMPY_MATH.sigmoid_backward = _sigmoid_backward
TENSOR_MATH.sigmoid_backward = sigmoid_backward


_LN2 = 0.6931471805599453
_LN10 = 2.3025850929940456

# name        node                  numpy forward          saves    backward formula, once
exp = unary("exp", "ExpBackward0", _vml("Exp", _in_double(np.exp)), RESULT, lambda g, y, m: g * y)
expm1 = unary("expm1", "Expm1Backward0", _in_double(np.expm1), RESULT, lambda g, y, m: g * (y + 1))
log = unary("log", "LogBackward0", _vml("Ln", _in_double(np.log)), INPUT, lambda g, x, m: g / x)
log1p = unary("log1p", "Log1PBackward0", _in_double(np.log1p), INPUT, lambda g, x, m: g / (x + 1))
log2 = unary("log2", "Log2Backward0", _vml("Log2", _in_double(np.log2)), INPUT, lambda g, x, m: g / (x * _LN2))
log10 = unary("log10", "Log10Backward0", _vml("Log10", _in_double(np.log10)), INPUT, lambda g, x, m: g / (x * _LN10))
sin = unary("sin", "SinBackward0", _vml("Sin", _in_double(np.sin)), INPUT, lambda g, x, m: g * m.cos(x))
cos = unary("cos", "CosBackward0", _vml("Cos", _in_double(np.cos)), INPUT, lambda g, x, m: g * -m.sin(x))
tan = unary("tan", "TanBackward0", _vml("Tan", _in_double(np.tan)), RESULT, lambda g, y, m: g * (1 + y * y))
sinh = unary("sinh", "SinhBackward0", _in_double(np.sinh), INPUT, lambda g, x, m: g * m.cosh(x))
cosh = unary("cosh", "CoshBackward0", _in_double(np.cosh), INPUT, lambda g, x, m: g * m.sinh(x))
tanh = unary("tanh", "TanhBackward0", _vml("Tanh", _in_double(np.tanh)), RESULT,
             lambda g, y, m: m.tanh_backward(g, y))
sqrt = unary("sqrt", "SqrtBackward0", _vml("Sqrt", np.sqrt), RESULT, lambda g, y, m: g / (2 * y))
rsqrt = unary("rsqrt", "RsqrtBackward0", _rsqrt, RESULT, lambda g, y, m: g * (-0.5 * y * y * y))
asin = unary("asin", "AsinBackward0", _vml("Asin", _in_double(np.arcsin)), INPUT,
             lambda g, x, m: g * m.rsqrt(-x * x + 1), aliases=("arcsin",))
acos = unary("acos", "AcosBackward0", _vml("Acos", _in_double(np.arccos)), INPUT,
             lambda g, x, m: g * -m.rsqrt(-x * x + 1), aliases=("arccos",))
atan = unary("atan", "AtanBackward0", _vml("Atan", np.arctan), INPUT, lambda g, x, m: g / (x * x + 1), aliases=("arctan",))
sigmoid = unary("sigmoid", "SigmoidBackward0", _sigmoid, RESULT, lambda g, y, m: m.sigmoid_backward(g, y))
reciprocal = unary("reciprocal", "ReciprocalBackward0", np.reciprocal, RESULT, lambda g, y, m: g * -(y * y))
floor = unary("floor", "FloorBackward0", np.floor, None, _zero, keeps_dtype=True)
ceil = unary("ceil", "CeilBackward0", np.ceil, None, _zero, keeps_dtype=True)
trunc = unary("trunc", "TruncBackward0", np.trunc, None, _zero, keeps_dtype=True, aliases=("fix",))
def _sign(a: np.ndarray) -> np.ndarray:
    return a.copy() if a.dtype == np.bool_ else np.sign(a)  # numpy has no sign for bool; PyTorch's is identity


sign = unary("sign", "SignBackward0", _sign, None, _zero, keeps_dtype=True)
relu = unary("relu", "ReluBackward0", _relu, RESULT, lambda g, y, m: m.threshold_backward(g, y, 0), keeps_dtype=True,
             out=False)
abs = unary("abs", "AbsBackward0", np.abs, INPUT, lambda g, x, m: g * m.sgn(x), keeps_dtype=True,
            aliases=("absolute",), dunders={"__abs__": DIRECT})


# ----- rows whose kernels live in scipy.special (imported when the op first runs, never at startup) -----

def _scipy(name: str) -> Callable:
    """scipy.special's ufunc `name`, looked up at the first call (keeps scipy out of engine import)."""

    def kernel(a: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
        from scipy import special  # startup: scipy is imported when first needed: engine import must not load scipy

        return getattr(special, name)(a, *args, **kwargs)

    kernel.__name__ = name
    return kernel


def _polygamma(n: int) -> Callable:
    """polygamma(n, x) on numpy arrays or Tensors (the Tensor op lives in ops/binary_math.py)."""

    def fn(x: Any) -> Any:
        if isinstance(x, Tensor):
            from .binary_math import polygamma  # cycle: binary_math imports this table

            return polygamma(n, x)
        if n == 1 and x.dtype == np.float32:
            return trigamma_f32(x)
        from scipy import special  # startup: scipy is imported when first needed

        return special.polygamma(n, x).astype(x.dtype, copy=False)

    return fn


def _i1(x: Any) -> Any:
    """The first-order modified Bessel function, on numpy arrays or Tensors (torch.special.i1)."""
    if isinstance(x, Tensor):
        from .special import i1  # cycle: special imports this table

        return i1(x)
    from scipy import special  # startup: scipy is imported when first needed

    return special.i1(x)


def _deg2rad(a: np.ndarray) -> np.ndarray:
    return a * np.asarray(np.pi / 180, a.dtype)


def _rad2deg(a: np.ndarray) -> np.ndarray:
    return a * np.asarray(180 / np.pi, a.dtype)


def _sinc(a: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.sinc(a)


def _angle(a: np.ndarray) -> np.ndarray:
    """The phase of a real number: pi for negatives, 0 otherwise, NaN kept; a complex one's argument."""
    if a.dtype.kind == "c":
        return np.angle(a)
    return np.where(a < 0, np.asarray(np.pi, a.dtype), np.asarray(0, a.dtype)) + a * 0


def _angle_grad(g: Any, x: Any, m: Any) -> Any:
    if x.dtype.kind != "c" if isinstance(x, np.ndarray) else not x.dtype.is_complex:
        return g * 0
    # PyTorch's angle_backward for complex z: grad * z / |z|^2 * i, zero at z = 0
    return (g * x / (x.abs() ** 2) * 1j).masked_fill(x == 0, 0)


def _real_of(dt: dtypes.dtype) -> dtypes.dtype:
    return dtypes.float64 if dt is dtypes.complex128 else dtypes.float32


def _sinc_grad(g: Any, x: Any, m: Any) -> Any:
    px = x * np.pi
    d = (px * m.cos(px) - m.sin(px)) / (px * x)
    return g * (d * (x != 0))


def _no_float_kernel(name: str, kind: str) -> Callable:
    def refuse(input: Tensor) -> None:
        raise NotImplementedError(f'"{name}" not implemented for \'{input.dtype.scalar_name}\'')

    return refuse


_SQRT_PI = 1.7724538509055159
_TWO_OVER_SQRT_PI = 1.1283791670955126

_erf_elementwise = np.frompyfunc(math.erf, 1, 1)


def _erf_double(a: np.ndarray) -> np.ndarray:
    """erf per element with CPython's math.erf in double (numpy has no erf; scipy stays out of engine import)."""
    r = np.asarray(_erf_elementwise(a.astype(np.float64)), np.float64)
    return r.astype(np.float32) if a.dtype == np.float32 else r


erf = unary("erf", "ErfBackward0", _vml("Erf", _erf_double), INPUT,
            lambda g, x, m: g * (m.exp(-(x * x)) * _TWO_OVER_SQRT_PI))
asinh = unary("asinh", "AsinhBackward0", np.arcsinh, INPUT, lambda g, x, m: g * m.rsqrt(x * x + 1),
              aliases=("arcsinh",))
acosh = unary("acosh", "AcoshBackward0", np.arccosh, INPUT, lambda g, x, m: g * m.rsqrt(x * x - 1),
              aliases=("arccosh",))
atanh = unary("atanh", "AtanhBackward0", _in_double(np.arctanh), INPUT, lambda g, x, m: g / (1 - x * x),
              aliases=("arctanh",))
exp2 = unary("exp2", "Exp2Backward0", _in_double(np.exp2), RESULT, lambda g, y, m: g * (y * _LN2))
erfc = unary("erfc", "ErfcBackward0", _vml("Erfc", _in_double(_scipy("erfc"))), INPUT,
             lambda g, x, m: g * (m.exp(-(x * x)) * -_TWO_OVER_SQRT_PI))
erfinv = unary("erfinv", "ErfinvBackward0", _vml("ErfInv", _in_double(_scipy("erfinv"))), RESULT,
               lambda g, y, m: g * (m.exp(y * y) * (_SQRT_PI / 2)))
digamma = unary("digamma", "DigammaBackward0", lambda a: digamma_kernel(a), INPUT,
                lambda g, x, m: g * _polygamma(1)(x))
lgamma = unary("lgamma", "LgammaBackward0", _in_double(_scipy("gammaln")), INPUT, lambda g, x, m: g * m.digamma(x))
i0 = unary("i0", "I0Backward0", _in_double(_scipy("i0")), INPUT, lambda g, x, m: g * _i1(x))
sinc = unary("sinc", "SincBackward0", _in_double(_sinc), INPUT, _sinc_grad)
deg2rad = unary("deg2rad", "Deg2RadBackward0", _deg2rad, None, lambda g, s, m: g * (np.pi / 180))
rad2deg = unary("rad2deg", "Rad2DegBackward0", _rad2deg, None, lambda g, s, m: g * (180 / np.pi))
frac = unary("frac", "FracBackward0", lambda a: a - np.trunc(a), None, lambda g, s, m: g, keeps_dtype=True,
             integral=_no_float_kernel("frac_cpu", "int"))
def _sgn_grad(g: Any, x: Any, m: Any) -> Any:
    if x.dtype.kind != "c" if isinstance(x, np.ndarray) else not x.dtype.is_complex:
        return g * 0
    # z/|z| is not holomorphic: for PyTorch's convention its gradient is (g - sgn^2 conj(g)) / (2|z|), 0 at z = 0
    a = x.abs()
    s = x / a
    return ((g - s * s * g.conj()) / (a * 2)).masked_fill(a == 0, 0)


_sgn_grad.holomorphic = False  # type: ignore[attr-defined]
sgn = unary("sgn", "SgnBackward0", lambda a: a.copy() if a.dtype == np.bool_ else np.sign(a), INPUT, _sgn_grad,
            keeps_dtype=True)
angle = unary("angle", "AngleBackward0", _angle, INPUT, _angle_grad)


# ----- digamma and trigamma as ATen computes them in float32 (its own series, not a library's) ----------

_PSI_10 = np.float32(2.25175258906672110764)
_DIGAMMA_A = [np.float32(c) for c in (8.33333333333333333333e-2, -2.10927960927960927961e-2,
                                      7.57575757575757575758e-3, -4.16666666666666666667e-3,
                                      3.96825396825396825397e-3, -8.33333333333333333333e-3,
                                      8.33333333333333333333e-2)]


def _digamma_positive_f32(x: np.ndarray) -> np.ndarray:
    """ATen's calc_digamma(float) for x > 0: recurrence up to 10, then the asymptotic series, in float32."""
    one = np.float32(1)
    x = x.copy()
    acc = np.zeros_like(x)
    with np.errstate(all="ignore"):
        for _ in range(10):
            small = x < 10
            if not small.any():
                break
            acc = np.where(small, acc - one / x, acc)
            x = np.where(small, x + one, x)
        z = one / (x * x)
        poly = np.full_like(x, _DIGAMMA_A[0])
        for c in _DIGAMMA_A[1:]:
            poly = poly * z + c
        y = np.where(x < np.float32(1e17), z * poly, np.float32(0))
        series = acc + np.log(x) - (np.float32(0.5) / x) - y
    return np.where(x == 10, acc + _PSI_10, series)


def _digamma_f32(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    neg = x < 0
    with np.errstate(all="ignore"):
        r = np.modf(x.astype(np.float64))[0]
        reflect = (np.pi / np.tan(np.pi * r)).astype(np.float32)
        out = np.where(neg, _digamma_positive_f32(np.where(neg, np.float32(1) - x, np.float32(1))) - reflect,
                       _digamma_positive_f32(np.where(neg, np.float32(1), x)))
    out = np.where(neg & (x == np.trunc(x)), np.float32(np.nan), out)
    return np.where(x == 0, np.copysign(np.float32(np.inf), -x), out).astype(np.float32)


def digamma_kernel(a: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
    """digamma: ATen's float32 series in float32, scipy's psi in double."""
    if a.dtype == np.float32:
        return _digamma_f32(a)
    return _scipy("psi")(a)


def trigamma_f32(x: np.ndarray) -> np.ndarray:
    """ATen's calc_trigamma(float), in float32."""
    x = np.asarray(x, np.float32)
    pi = np.float32(np.pi)
    one = np.float32(1)
    with np.errstate(all="ignore"):
        low = x < np.float32(0.5)
        s = np.sin((pi * x).astype(np.float64)).astype(np.float32)
        acc = np.where(low, -(pi * pi) / (s * s), np.float32(0))
        x = np.where(low, one - x, x)
        for _ in range(6):
            acc = acc + one / (x * x)
            x = x + one
        ixx = one / (x * x)
        tail = (one + one / (np.float32(2) * x)
                + ixx * (np.float32(1 / 6) - ixx * (np.float32(1 / 30) - ixx * np.float32(1 / 42)))) / x
        acc = acc + tail
    return np.where(low, -acc, acc).astype(np.float32)
