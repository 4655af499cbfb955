"""torch.special: Bessel and error functions, orthogonal polynomials, zeta, xlog1py.

Values come from scipy.special (imported inside the ops, never at engine import) in double and are rounded to
the result's dtype; the polynomials follow ATen's own recurrences and special cases. Nodes carry PyTorch's
names (SpecialErfcxBackward0, ...); the ops PyTorch does not differentiate record nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..registry import op
from ..tensor import Tensor
from ._core import promote2, result, to_tensor
from .elementwise import where
from .formula_node import OUTPUT, floating, node_class, record
from .unary import exp, i0, log

_NS = "torch.special"
_SQRT_2PI = math.sqrt(2 * math.pi)


def _scipy(name: str) -> Callable:
    def kernel(a: np.ndarray) -> np.ndarray:
        from scipy import special  # startup: scipy is imported when first needed: engine import must not load scipy

        with np.errstate(all="ignore"):
            return getattr(special, name)(a)

    return kernel


def _values(input: Tensor, kernel: Callable) -> Tensor:
    """kernel of the input's values in double, as the result's floating dtype."""
    dt = floating(input.dtype)
    return result(kernel(input._data.astype(np.float64)), dt)


def _unary(name: str, kernel: Callable, node: type | None = None, saves: tuple = (), *,
           param: str = "input") -> Callable:
    """A torch.special function of one tensor; recorded as `node` when given (saving the input and/or output).

    `param`: the tensor's parameter name in PyTorch's signature (the newer functions call it `x`).
    """

    def compute(input: Tensor) -> Tensor:
        out = _values(input, kernel)
        if node is None:
            return out
        saved = tuple(OUTPUT if s == "result" else input for s in saves)
        return record(out, node, (input,), saved)

    def forward_x(x: Tensor) -> Tensor:
        return compute(x)

    forward = forward_x if param == "x" else compute
    forward.__name__ = forward.__qualname__ = name
    return op(name, namespace=_NS, method=False, out=True)(forward)


def _spherical_j0(a: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.where(np.abs(a) < 0.5, _sinc_series(a), np.sin(a) / a)


def _sinc_series(a: np.ndarray) -> np.ndarray:
    x2 = a * a
    return 1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72 * (1 - x2 / 110 * (1 - x2 / 156)))))


def _airy_ai(a: np.ndarray) -> np.ndarray:
    from scipy import special  # startup: scipy is imported when first needed

    return special.airy(a)[0]


def _entr(a: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.where(np.isnan(a), a, np.where(a > 0, -a * np.log(a), np.where(a == 0, 0.0, -np.inf)))


# ----- differentiable ones ---------------------------------------------------------------------------

def _erfcx_grad(node: Any, g: Tensor, x: Tensor, y: Tensor) -> tuple:
    return (g * (2.0 * x * y - 2.0 / math.sqrt(math.pi)),)


def _ndtri_grad(node: Any, g: Tensor, y: Tensor) -> tuple:
    return (g * (_SQRT_2PI * exp(y * y / 2)),)


def _log_ndtr_grad(node: Any, g: Tensor, x: Tensor, y: Tensor) -> tuple:
    return (g / _SQRT_2PI * exp(-(y + x * x / 2)),)


def _ndtr_grad(node: Any, g: Tensor, x: Tensor) -> tuple:
    return (g * (exp(x * x * -0.5) / _SQRT_2PI),)


def _i0e_grad(node: Any, g: Tensor, x: Tensor, y: Tensor) -> tuple:
    return (g * (i1e(x) - x.sgn() * y),)


def _safe_nonzero(x: Tensor) -> tuple:
    """PyTorch's i1/i1e backward: |x| <= eps is replaced by eps before dividing (and its gradient is 0.5),
    so that no nan reaches a second derivative through the branch `where` leaves out."""
    eps = float(np.finfo(x.dtype.np).eps)
    not_tiny = x.abs() > eps
    return not_tiny, where(not_tiny, x, eps)


def _i1_grad(node: Any, g: Tensor, x: Tensor, y: Tensor) -> tuple:
    not_tiny, safe = _safe_nonzero(x)
    return (g * where(not_tiny, i0(safe) - y * safe.reciprocal(), 0.5),)


def _i1e_grad(node: Any, g: Tensor, x: Tensor, y: Tensor) -> tuple:
    not_tiny, safe = _safe_nonzero(x)
    return (g * where(not_tiny, i0e(safe) - y * (safe.sgn() + safe.reciprocal()), 0.5),)


def _entr_grad(node: Any, g: Tensor, x: Tensor) -> tuple:
    return (g * -(log(x) + 1),)


SpecialErfcxBackward0 = node_class("SpecialErfcxBackward0", _erfcx_grad, module=__name__)
SpecialNdtriBackward0 = node_class("SpecialNdtriBackward0", _ndtri_grad, module=__name__)
SpecialLogNdtrBackward0 = node_class("SpecialLogNdtrBackward0", _log_ndtr_grad, module=__name__)
# ndtr is composite in ATen: ((1 + erf(x * M_SQRT1_2)) * 0.5), so its output's node is the last mul.Scalar
MulBackward1 = node_class("MulBackward1", _ndtr_grad, module=__name__)
SpecialI0EBackward0 = node_class("SpecialI0EBackward0", _i0e_grad, module=__name__)
SpecialI1Backward0 = node_class("SpecialI1Backward0", _i1_grad, module=__name__)
SpecialI1EBackward0 = node_class("SpecialI1EBackward0", _i1e_grad, module=__name__)
SpecialEntrBackward0 = node_class("SpecialEntrBackward0", _entr_grad, module=__name__)

erfcx = _unary("erfcx", _scipy("erfcx"), SpecialErfcxBackward0, ("input", "result"))
ndtri = _unary("ndtri", _scipy("ndtri"), SpecialNdtriBackward0, ("result",))
log_ndtr = _unary("log_ndtr", _scipy("log_ndtr"), SpecialLogNdtrBackward0, ("input", "result"))
ndtr = _unary("ndtr", _scipy("ndtr"), MulBackward1, ("input",))
i0e = _unary("i0e", _scipy("i0e"), SpecialI0EBackward0, ("input", "result"))
i1 = _unary("i1", _scipy("i1"), SpecialI1Backward0, ("input", "result"))
i1e = _unary("i1e", _scipy("i1e"), SpecialI1EBackward0, ("input", "result"))
entr = _unary("entr", _entr, SpecialEntrBackward0, ("input",))

# ----- not differentiable in PyTorch ------------------------------------------------------------------
airy_ai = _unary("airy_ai", _airy_ai, param="x")
bessel_j0 = _unary("bessel_j0", _scipy("j0"))
bessel_j1 = _unary("bessel_j1", _scipy("j1"))
bessel_y0 = _unary("bessel_y0", _scipy("y0"))
bessel_y1 = _unary("bessel_y1", _scipy("y1"))
modified_bessel_i0 = _unary("modified_bessel_i0", _scipy("i0"))
modified_bessel_i1 = _unary("modified_bessel_i1", _scipy("i1"))
modified_bessel_k0 = _unary("modified_bessel_k0", _scipy("k0"))
modified_bessel_k1 = _unary("modified_bessel_k1", _scipy("k1"))
scaled_modified_bessel_k0 = _unary("scaled_modified_bessel_k0", _scipy("k0e"), param="x")
scaled_modified_bessel_k1 = _unary("scaled_modified_bessel_k1", _scipy("k1e"), param="x")
spherical_bessel_j0 = _unary("spherical_bessel_j0", _spherical_j0, param="x")


# ----- xlog1py, zeta: two operands, either may be a number ----------------------------------------------

def _xlog1py_grad(node: Any, g: Tensor, x: Any, y: Any) -> tuple:
    gx = gy = None
    if isinstance(x, Tensor):
        yt = y if isinstance(y, Tensor) else float(y)
        gx = xlog1py(g, yt)
        gx = where((x == 0.0) & (to_tensor(yt) <= -1.0) if not isinstance(y, Tensor) else (x == 0.0) & (y <= -1.0),
                   0.0, gx)
    if isinstance(y, Tensor):
        gy = g * x / (y + 1)
    return gx, gy


def _zeta_grad(node: Any, g: Tensor, x: Any, q: Any) -> tuple:
    if node.needs(0):
        raise NotImplementedError("the derivative for 'zeta' is not implemented.")
    return None, (g * -x * zeta(x + 1.0, q) if isinstance(q, Tensor) else None)


SpecialXlog1PyBackward0 = node_class("SpecialXlog1PyBackward0", _xlog1py_grad, module=__name__)
SpecialXlog1PyBackward1 = node_class("SpecialXlog1PyBackward1", _xlog1py_grad, module=__name__)
SpecialXlog1PyBackward2 = node_class("SpecialXlog1PyBackward2", _xlog1py_grad, module=__name__)
SpecialZetaBackward0 = node_class("SpecialZetaBackward0", _zeta_grad, module=__name__)
SpecialZetaBackward1 = node_class("SpecialZetaBackward1", _zeta_grad, module=__name__)
SpecialZetaBackward2 = node_class("SpecialZetaBackward2", _zeta_grad, module=__name__)


def _two(input: Any, other: Any) -> tuple:
    """Both operands' values in double and the result's floating dtype (a number on either side)."""
    if isinstance(input, Tensor):
        x, y, dt = promote2(input, other)
    else:
        y, x, dt = promote2(other, input)
    dt = floating(dt)
    return np.asarray(x, np.float64), np.asarray(y, np.float64), dt


def _node_for(input: Any, other: Any, nodes: tuple) -> type:
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        return nodes[0]
    return nodes[1] if isinstance(other, Tensor) else nodes[2]


def _xlog1py_data(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log1p(y)))


@op("xlog1py", namespace=_NS, method=False, out=True)
def xlog1py(input: Any, other: Any) -> Tensor:
    x, y, dt = _two(input, other)
    out = result(_xlog1py_data(x, y), dt)
    nodes = (SpecialXlog1PyBackward0, SpecialXlog1PyBackward1, SpecialXlog1PyBackward2)
    return record(out, _node_for(input, other, nodes), (input, other), (input, other))


def _zeta_data(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    from scipy import special  # startup: scipy is imported when first needed

    with np.errstate(all="ignore"):
        z = special.zeta(x, q)
    # ATen's zeta: x == 1 is a pole (+inf); x < 1 is not defined (nan); q <= 0 integer is a pole
    z = np.where(x == 1, np.inf, np.where(x < 1, np.nan, z))
    return np.where((q <= 0) & (q == np.floor(q)) & (x > 1), np.inf, z)


@op("zeta", namespace=_NS, method=False, out=True)
def zeta(input: Any, other: Any) -> Tensor:
    x, q, dt = _two(input, other)
    out = result(_zeta_data(x, q), dt)
    nodes = (SpecialZetaBackward0, SpecialZetaBackward1, SpecialZetaBackward2)
    return record(out, _node_for(input, other, nodes), (input, other), (input, other))


# ----- orthogonal polynomials of degree n (ATen's recurrences and special cases) --------------------------

def _recurrence(x: np.ndarray, n: np.ndarray, p0: Any, p1: Any, step: Callable) -> np.ndarray:
    """p_n(x) from p_0, p_1 and p_{k+1} = step(k, p_k, p_{k-1}), elementwise for each element's own n."""
    out = np.where(n == 0, p0, p1)
    top = int(n.max(initial=1))
    p, q = np.broadcast_to(np.asarray(p0, x.dtype), x.shape), np.broadcast_to(np.asarray(p1, x.dtype), x.shape)
    for k in range(1, top):
        p, q = q, step(k, q, p)
        out = np.where(n == k + 1, q, out)
    return out


def _polynomial(name: str, evaluate: Callable) -> Callable:
    def forward(x: Any, n: Any) -> Tensor:
        xs, nd, dt = _two(x, n)
        xs, nd = np.broadcast_arrays(xs, nd)
        nd = np.where(np.isfinite(nd), nd, -1).astype(np.int64)
        with np.errstate(all="ignore"):
            data = np.where(nd < 0, 0.0, evaluate(xs, nd))
        return result(data, dt)

    forward.__name__ = forward.__qualname__ = name
    return op(name, namespace=_NS, method=False, out=True)(forward)


def _cheb_t(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    body = _recurrence(x, n, 1.0, x, lambda k, q, p: (x + x) * q - p)
    body = np.where((n > 6) & (np.abs(x) < 1), np.cos(n * np.arccos(x)), body)
    edge = np.where((x > 0) | (n % 2 == 0), 1.0, -1.0)
    return np.where(np.abs(x) == 1, edge, body)


def _cheb_u(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    body = _recurrence(x, n, 1.0, x + x, lambda k, q, p: (x + x) * q - p)
    t = np.arccos(x)
    s = np.sin(t)
    trig = np.where(s != 0, np.sin((n + 1) * t) / s, (n + 1) * np.cos((n + 1) * t) / x)
    body = np.where((n > 8) & (np.abs(x) < 1), trig, body)
    edge = np.where((x > 0) | (n % 2 == 0), n + 1.0, -(n + 1.0))
    return np.where(np.abs(x) == 1, edge, body)


def _cheb_v(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    body = _recurrence(x, n, 1.0, x + x - 1, lambda k, q, p: (x + x) * q - p)
    t = np.arccos(x)
    odd_sign = np.where(n % 2 == 0, n + n + 1.0, -(n + n + 1.0))
    trig = np.where(np.sin(t / 2) != 1, np.cos((n + 0.5) * t) / np.cos(t / 2), odd_sign)
    body = np.where((n > 8) & (np.abs(x) < 1), trig, body)
    edge = np.where(x > 0, 1.0, odd_sign)
    return np.where(np.abs(x) == 1, edge, body)


def _cheb_w(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    body = _recurrence(x, n, 1.0, x + x + 1, lambda k, q, p: (x + x) * q - p)
    t = np.arccos(x)
    edge = np.where(x > 0, n + n + 1.0, np.where(n % 2 == 0, 1.0, -1.0))
    trig = np.where(np.cos(t / 2) != 1, np.sin((n + 0.5) * t) / np.sin(t / 2), edge)
    body = np.where((n > 8) & (np.abs(x) < 1), trig, body)
    return np.where(np.abs(x) == 1, edge, body)


def _hermite_h(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return _recurrence(x, n, 1.0, x + x, lambda k, q, p: (x + x) * q - 2 * k * p)


def _hermite_he(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return _recurrence(x, n, 1.0, x, lambda k, q, p: x * q - k * p)


def _laguerre(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    body = _recurrence(x, n, 1.0, 1 - x, lambda k, q, p: ((k + k + (1 - x)) * q - k * p) / (k + 1))
    return np.where(x == 0, 1.0, body)


def _legendre(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    body = _recurrence(x, n, 1.0, x, lambda k, q, p: ((k + k + 1) * x * q - k * p) / (k + 1))
    edge = np.where((x > 0) | (n % 2 == 0), 1.0, -1.0)
    return np.where(np.abs(x) == 1, edge, body)


def _shifted(fn: Callable) -> Callable:
    return lambda x, n: fn(x + x - 1, n)


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t", _cheb_t)
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u", _cheb_u)
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v", _cheb_v)
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w", _cheb_w)
shifted_chebyshev_polynomial_t = _polynomial("shifted_chebyshev_polynomial_t", _shifted(_cheb_t))
shifted_chebyshev_polynomial_u = _polynomial("shifted_chebyshev_polynomial_u", _shifted(_cheb_u))
shifted_chebyshev_polynomial_v = _polynomial("shifted_chebyshev_polynomial_v", _shifted(_cheb_v))
shifted_chebyshev_polynomial_w = _polynomial("shifted_chebyshev_polynomial_w", _shifted(_cheb_w))
hermite_polynomial_h = _polynomial("hermite_polynomial_h", _hermite_h)
hermite_polynomial_he = _polynomial("hermite_polynomial_he", _hermite_he)
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l", _laguerre)
legendre_polynomial_p = _polynomial("legendre_polynomial_p", _legendre)
