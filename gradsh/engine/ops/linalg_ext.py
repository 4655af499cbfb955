"""torch.linalg and the linear-algebra torch.* functions beyond mm/bmm/matmul (ops/linalg.py).

Forwards run numpy's LAPACK (scipy.linalg where numpy lacks a routine, imported inside the op); each output
carries PyTorch's node (LinalgDetBackward0, LinalgInvExBackward0, ...). Backward formulas are PyTorch's
(FunctionsManual.cpp) written with Tensor ops, so create_graph differentiates through them; triangular and
diagonal parts are taken with constant masks (a product, itself differentiable).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from ..backward import grad as autograd_grad
from ..grad_mode import enable_grad, no_grad
from ..grad_mode import state as _grad_state
from ..registry import op
from ..tensor import Tensor
from ._core import result, save_output
from .binary_math import nan_to_num
from .elementwise import where
from .formula_node import OUTPUT, node_class, record, structured
from .joining import cat
from .linalg import _unsafe_view, matmul, mm
from .reduction import _vector_norm_data, norm

_NS = "torch.linalg"
_int32 = dtypes.int32


# ----- helpers on Tensors (differentiable) ---------------------------------------------------------

def _mT(t: Tensor) -> Tensor:
    return t.transpose(-2, -1)


def _const(a: np.ndarray, like: Tensor) -> Tensor:
    return Tensor._wrap(np.asarray(a, like.dtype.np), like.dtype)


def _eye(n: int, m: int, like: Tensor) -> Tensor:
    return _const(np.eye(n, m), like)


def _tril(t: Tensor, k: int = 0) -> Tensor:
    return t * _const(np.tril(np.ones(t.shape[-2:]), k), t)


def _triu(t: Tensor, k: int = 0) -> Tensor:
    return t * _const(np.triu(np.ones(t.shape[-2:]), k), t)


def _diag_embed(v: Tensor) -> Tensor:
    n = v.shape[-1]
    return v.unsqueeze(-1) * _eye(n, n, v)


def _diagonal(t: Tensor) -> Tensor:
    return t.diagonal(0, -2, -1)


# ----- checks with PyTorch's texts -----------------------------------------------------------------

def _check_float(A: Tensor, name: str, what: str = "A") -> None:
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {A.dtype.scalar_name}")


def _check_square(A: Tensor, name: str, what: str = "A") -> None:
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {what} must have at least 2 dimensions.")
    m, n = A._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"{name}: {what} must be batches of square matrices, but they are {m} by {n} matrices")


def _check_matrix(A: Tensor, name: str, what: str = "A") -> None:
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {what} must have at least 2 dimensions.")


def _square_float(A: Tensor, name: str) -> None:
    _check_square(A, name)
    _check_float(A, name)


# ----- trace, vdot, vecdot, addmv, addr, baddbmm, addbmm, cross, dist --------------------------------------

def _trace_grad(node: Any, g: Tensor) -> tuple:
    n, m = node.shape
    return (g * _eye(n, m, g),)


TraceBackward0 = node_class("TraceBackward0", _trace_grad, module=__name__)


@op("trace")
def trace(input: Tensor) -> Tensor:
    if input._data.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with size: " + _sizes(input))
    data = np.trace(input._data)
    dt = input.dtype if input.dtype.is_floating_point or input.dtype.is_complex else dtypes.int64
    return record(result(data, dt), TraceBackward0, (input,), shape=input._data.shape)


def _sizes(t: Tensor) -> str:
    return "[" + ", ".join(str(s) for s in t._data.shape) + "]"


def _vdot_grad(node: Any, g: Tensor, a: Tensor, b: Tensor) -> tuple:
    return g * b, g * a


VdotBackward0 = node_class("VdotBackward0", _vdot_grad, module=__name__)


@op("vdot", out=True)
def vdot(input: Tensor, other: Tensor) -> Tensor:
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                           f"{input.dtype.scalar_name} and {other.dtype.scalar_name}")
    if input._data.shape != other._data.shape:
        n, m = input._data.size, other._data.size
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number "
                           f"of elements, but got {n} and {m} elements respectively")
    return record(result(np.vdot(input._data, other._data), input.dtype), VdotBackward0, (input, other),
                  (input, other))


@op("vecdot", namespace=_NS, method=False, out=True)
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    if x._data.ndim == 1 and y._data.ndim == 1 and dim in (0, -1):
        return vdot(x, y)
    return (x * y).sum(dim)


def _addmv_grad(node: Any, g: Tensor, mat: Tensor, vec: Tensor) -> tuple:
    beta, alpha = node.beta, node.alpha
    return g * beta, g.unsqueeze(-1) * vec * alpha, matmul(_mT(mat), g) * alpha


AddmvBackward0 = node_class("AddmvBackward0", _addmv_grad, module=__name__)


def _beta_input(input: np.ndarray, beta: Any, prod: np.ndarray, alpha: Any) -> np.ndarray:
    """beta * input + alpha * prod, where beta == 0 ignores the input (its NaNs too), as PyTorch does."""
    scaled = prod if alpha == 1 else prod * np.asarray(alpha, prod.dtype)
    if beta == 0:
        return np.broadcast_to(np.zeros((), prod.dtype), np.broadcast_shapes(input.shape, prod.shape)) + scaled
    return (input if beta == 1 else input * np.asarray(beta, prod.dtype)) + scaled


@op("addmv", inplace=True, out=True)
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, {mat._data.ndim}, "
                           f"{vec._data.ndim}")
    if mat._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input._data.shape[0] if input._data.ndim else 1}), "
                           f"mat ({mat._data.shape[0]}x{mat._data.shape[1]}), vec ({vec._data.shape[0]})")
    data = _beta_input(input._data, beta, mat._data @ vec._data, alpha)
    return record(result(data, mat.dtype), AddmvBackward0, (input, mat, vec), (mat, vec), beta=beta, alpha=alpha)


def _addr_grad(node: Any, g: Tensor, v1: Tensor, v2: Tensor) -> tuple:
    beta, alpha = node.beta, node.alpha
    return g * beta, matmul(g, v2) * alpha, matmul(_mT(g), v1) * alpha


AddrBackward0 = node_class("AddrBackward0", _addr_grad, module=__name__)


@op("addr", inplace=True, out=True)
def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    if vec1._data.ndim != 1 or vec2._data.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1._data.ndim}-D")
    dt = dtypes.promote_types(dtypes.promote_types(input.dtype, vec1.dtype), vec2.dtype)
    if dt is dtypes.bool_:
        prod = np.outer(vec1._data, vec2._data)
        data = (input._data & bool(beta) if beta is not True else input._data) | (prod & bool(alpha))
    else:
        data = _beta_input(input._data.astype(dt.np), beta, np.outer(vec1._data, vec2._data).astype(dt.np), alpha)
    return record(result(data, dt), AddrBackward0, (input, vec1, vec2), (vec1, vec2), beta=beta, alpha=alpha)


def _baddbmm_grad(node: Any, g: Tensor, b1: Tensor, b2: Tensor) -> tuple:
    beta, alpha = node.beta, node.alpha
    if node.summed:  # addbmm: the batch was summed away
        g3 = g.unsqueeze(0)
        return g * beta, matmul(g3, _mT(b2)) * alpha, matmul(_mT(b1), g3) * alpha
    return g * beta, matmul(g, _mT(b2)) * alpha, matmul(_mT(b1), g) * alpha


BaddbmmBackward0 = node_class("BaddbmmBackward0", _baddbmm_grad, module=__name__)
AddbmmBackward0 = node_class("AddbmmBackward0", _baddbmm_grad, module=__name__)


def _check_batch(b1: Tensor, b2: Tensor) -> None:
    if b1._data.ndim != 3 or b2._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b1._data.shape[0] != b2._data.shape[0] or b1._data.shape[2] != b2._data.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b1._data.shape[0]}, {b1._data.shape[2]}] but got: "
                           f"[{b2._data.shape[0]}, {b2._data.shape[1]}].")


@op("baddbmm", inplace=True, out=True)
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    _check_batch(batch1, batch2)
    data = _beta_input(input._data, beta, np.matmul(batch1._data, batch2._data), alpha)
    return record(result(data, batch1.dtype), BaddbmmBackward0, (input, batch1, batch2), (batch1, batch2),
                  beta=beta, alpha=alpha, summed=False)


@op("addbmm", inplace=True, out=True)
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    _check_batch(batch1, batch2)
    data = _beta_input(input._data, beta, np.matmul(batch1._data, batch2._data).sum(axis=0), alpha)
    return record(result(data, batch1.dtype), AddbmmBackward0, (input, batch1, batch2), (batch1, batch2),
                  beta=beta, alpha=alpha, summed=True)


def _cross_grad(node: Any, g: Tensor, a: Tensor, b: Tensor) -> tuple:
    d = node.dim
    return linalg_cross(b, g, dim=d), linalg_cross(g, a, dim=d)


LinalgCrossBackward0 = node_class("LinalgCrossBackward0", _cross_grad, module=__name__)


@op("cross", namespace=_NS, method=False, out=True)
def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[dim]} and "
                           f"{b.shape[dim]}")
    dt = dtypes.promote_types(input.dtype, other.dtype)
    data = np.cross(a.astype(dt.np), b.astype(dt.np), axisa=dim, axisb=dim, axisc=dim)
    d = dim % a.ndim
    return record(result(data, dt), LinalgCrossBackward0, (input, other), (input, other), dim=d)


@op("cross", out=True)
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    if dim is None:  # deprecated default: the first dimension of size 3
        shape = np.broadcast_shapes(input._data.shape, other._data.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    return linalg_cross(input, other, dim=dim)


def _norm_grad(g: Tensor, x: Tensor, norm: Tensor, p: float) -> Tensor:
    """The gradient of a p-norm of all of x (a 0-d norm), PyTorch's norm_backward."""
    if p == 0:
        return x * 0
    if p == 1:
        return g * x.sign()
    if p == 2:
        return g * where(norm == 0, 0.0, x / norm)
    if math.isinf(p):
        hit = (x.abs() == norm)
        return g * x.sign() * hit / hit.sum()
    if p < 1:
        return where(x == 0, 0.0, g * x.sign() * x.abs() ** (p - 1) * norm ** (1 - p))
    return where(norm == 0, 0.0, g * x * x.abs() ** (p - 2) / norm ** (p - 1))


def _dist_grad(node: Any, g: Tensor, a: Tensor, b: Tensor, out: Tensor) -> tuple:
    d = a - b
    gd = _norm_grad(g, d, out, node.p)
    return gd, -gd


DistBackward0 = node_class("DistBackward0", _dist_grad, module=__name__)


@op("dist")
def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:

    x, y = np.broadcast_arrays(input._data, other._data)
    p = float(p)
    with np.errstate(all="ignore"):
        data = _vector_norm_data(x - y, p, tuple(range(x.ndim)), False)
    return record(result(data, input.dtype), DistBackward0, (input, other), (input, other, OUTPUT), p=p)


# ----- det, slogdet, logdet ----------------------------------------------------------------------------

def _det_grad(node: Any, g: Tensor, A: Tensor, det: Tensor) -> tuple:
    if A.shape[-1] == 0:
        return (A * 0,)
    return ((g * det).unsqueeze(-1).unsqueeze(-1) * _mT(inv(A)),)


LinalgDetBackward0 = node_class("LinalgDetBackward0", _det_grad, module=__name__)


@op("det", namespace=_NS, method=False, out=True)
def linalg_det(A: Tensor) -> Tensor:
    _square_float(A, "linalg.det")
    return record(result(np.linalg.det(A._data), A.dtype), LinalgDetBackward0, (A,), (A, OUTPUT))


@op("det")
def det(input: Tensor) -> Tensor:
    return linalg_det(input)


def _slogdet_grad(node: Any, grads: list, A: Tensor) -> tuple:
    g = grads[1]
    if g is None or A.shape[-1] == 0:
        return (A * 0,)
    return (g.unsqueeze(-1).unsqueeze(-1) * _mT(inv(A)),)


LinalgSlogdetBackward0 = node_class("LinalgSlogdetBackward0", _slogdet_grad, n_outputs=2, module=__name__)


@op("slogdet", namespace=_NS, method=False, out=True)
def linalg_slogdet(A: Tensor) -> tuple:
    _square_float(A, "linalg.slogdet")
    sign, logabs = np.linalg.slogdet(A._data)
    s, la = result(sign, A.dtype), result(logabs, A.dtype)
    record((s, la), LinalgSlogdetBackward0, (A,), (A,))
    s._grad_fn = s._grad_fn if s._rg else None
    return structured("slogdet", ("sign", "logabsdet"), (s, la))


@op("slogdet")
def slogdet(input: Tensor) -> tuple:
    return linalg_slogdet(input)


@op("logdet")
def logdet(input: Tensor) -> Tensor:
    _square_float(input, "linalg.slogdet")
    sign, logabs = linalg_slogdet(input)
    return where(sign.detach() == -1, float("nan"), logabs)


# ----- inv, solve --------------------------------------------------------------------------------------

def _singular_error(name: str, A: np.ndarray) -> RuntimeError:
    """PyTorch's text for a singular input: the first zero pivot of its LU factorization (1-based)."""
    from scipy.linalg import lu_factor  # startup: scipy is imported when first needed

    batch = A.reshape(-1, *A.shape[-2:])
    for b, M in enumerate(batch):
        lu, _ = lu_factor(M.astype(np.float64), check_finite=False)
        zero = np.flatnonzero(np.diag(lu) == 0)
        if zero.size:
            where_ = f"(Batch element {b}): " if A.ndim > 2 else ""
            return RuntimeError(f"{name}: {where_}The diagonal element {zero[0] + 1} is zero, the inversion could not "
                                "be completed because the input matrix is singular.")
    return RuntimeError(f"{name}: The input matrix is singular.")


def _inv_data(A: np.ndarray, name: str, check: bool = True) -> tuple:
    with np.errstate(all="ignore"):
        try:
            return np.linalg.inv(A), np.zeros(A.shape[:-2], np.int32)
        except np.linalg.LinAlgError:
            if check:
                raise _singular_error(name, A) from None
    info = np.zeros(A.shape[:-2], np.int32)
    out = np.empty_like(A)
    flat_out, flat_info = out.reshape(-1, *A.shape[-2:]), info.reshape(-1)
    for b, M in enumerate(A.reshape(-1, *A.shape[-2:])):
        try:
            flat_out[b] = np.linalg.inv(M)
        except np.linalg.LinAlgError:
            from scipy.linalg import lu_factor  # startup: scipy is imported when first needed

            lu, _ = lu_factor(M, check_finite=False)
            flat_out[b] = np.nan
            flat_info[b] = int(np.flatnonzero(np.diag(lu) == 0)[0]) + 1
    return out, info


def _inv_grad(node: Any, grads: list, Ainv: Tensor) -> tuple:
    g = grads[0]
    if g is None:
        return (None,)
    t = _mT(Ainv)
    return (-matmul(matmul(t, g), t),)


LinalgInvExBackward0 = node_class("LinalgInvExBackward0", _inv_grad, n_outputs=2, module=__name__)


@op("inv_ex", namespace=_NS, method=False, out=True)
def inv_ex(A: Tensor, *, check_errors: bool = False) -> tuple:
    _square_float(A, "linalg.inv")
    data, info = _inv_data(A._data, "linalg.inv", check=check_errors)
    out, info_t = result(data, A.dtype), result(info, _int32)
    record((out, info_t), LinalgInvExBackward0, (A,), (OUTPUT,))
    return structured("linalg_inv_ex", ("inverse", "info"), (out, info_t))


@op("inv", namespace=_NS, method=False, out=True)
def inv(A: Tensor) -> Tensor:
    _square_float(A, "linalg.inv")
    data, info = _inv_data(A._data, "linalg.inv")
    out = result(data, A.dtype)
    node_out = (out, result(info, _int32))
    record(node_out, LinalgInvExBackward0, (A,), (OUTPUT,))
    return out


def _is_vector_rhs(A: Tensor, B: Tensor) -> bool:
    return B._data.ndim == 1 or (B._data.ndim == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1])


def _solve_grad(node: Any, grads: list, A: Tensor, X: Tensor) -> tuple:
    g = grads[0]
    if g is None:
        return None, None
    vector = node.vector
    if node.left:
        gB = linalg_solve(_mT(A), g)
        gv, xv = (gB.unsqueeze(-1), X.unsqueeze(-1)) if vector else (gB, X)
        gA = -matmul(gv, _mT(xv))
    else:
        gB = _mT(linalg_solve(A, _mT(g)))
        gA = -matmul(_mT(X), gB)
    return gA, gB


LinalgSolveExBackward0 = node_class("LinalgSolveExBackward0", _solve_grad, n_outputs=2, module=__name__)


def _solve_data(A: np.ndarray, B: np.ndarray, vector: bool, left: bool) -> np.ndarray:
    if not left:
        return np.swapaxes(_solve_data(np.swapaxes(A, -1, -2), np.swapaxes(B, -1, -2), False, True), -1, -2)
    if vector:
        return np.linalg.solve(A, B[..., None])[..., 0]
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    return np.linalg.solve(np.broadcast_to(A, batch + A.shape[-2:]), np.broadcast_to(B, batch + B.shape[-2:]))


def _solve(A: Tensor, B: Tensor, left: bool, check: bool) -> tuple:
    _square_float(A, "linalg.solve")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype.scalar_name} and B of type {B.dtype.scalar_name} instead")
    vector = _is_vector_rhs(A, B) and left
    try:
        data = _solve_data(A._data, B._data, vector, left)
    except np.linalg.LinAlgError:
        if check:
            raise _singular_error("linalg.solve", A._data) from None
        data = np.full(np.broadcast_shapes(A._data.shape[:-2], B._data.shape[:-1 if vector else -2])
                       + ((A._data.shape[-1],) if vector else B._data.shape[-2:]), np.nan, A.dtype.np)
    out = result(data, A.dtype)
    info = result(np.zeros(A._data.shape[:-2], np.int32), _int32)
    record((out, info), LinalgSolveExBackward0, (A, B), (A, OUTPUT), vector=vector, left=left)
    return out, info


@op("solve", namespace=_NS, method=False, out=True)
def linalg_solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    return _solve(A, B, left, True)[0]


@op("solve_ex", namespace=_NS, method=False, out=True)
def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> tuple:
    return structured("linalg_solve_ex", ("result", "info"), _solve(A, B, left, check_errors))


# ----- cholesky and triangular solves ----------------------------------------------------------------

def _cholesky_grad(node: Any, grads: list, L: Tensor) -> tuple:
    gL = grads[0] if isinstance(grads, list) else grads
    if gL is None:
        return (None,)
    if node.upper:
        L, gL = _mT(L), _mT(gL)
    n = L.shape[-1]
    if n == 0:
        return (gL * 0,)
    Linv = inv(L)
    phi = matmul(_mT(L), gL)
    phi = phi * _const(np.tril(np.ones((n, n))) - 0.5 * np.eye(n), phi)
    gA = matmul(matmul(_mT(Linv), phi), Linv)
    return ((gA + _mT(gA)) * 0.5,)


LinalgCholeskyExBackward0 = node_class("LinalgCholeskyExBackward0", _cholesky_grad, n_outputs=2, module=__name__)
CholeskyBackward0 = node_class("CholeskyBackward0", _cholesky_grad, module=__name__)


def _cholesky_data(A: np.ndarray, upper: bool, check: bool, name: str) -> tuple:
    info = np.zeros(A.shape[:-2], np.int32)
    try:
        L = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        L = np.zeros_like(A)
        flat_L, flat_info = L.reshape(-1, *A.shape[-2:]), info.reshape(-1)
        for b, M in enumerate(A.reshape(-1, *A.shape[-2:])):
            try:
                flat_L[b] = np.linalg.cholesky(M)
            except np.linalg.LinAlgError:
                flat_info[b] = _cholesky_order(M)
                if check:
                    where_ = f"(Batch element {b}): " if A.ndim > 2 else ""
                    raise RuntimeError(f"{name}: {where_}The factorization could not be completed because the input "
                                       f"is not positive-definite (the leading minor of order {flat_info[b]} is not "
                                       "positive-definite).") from None
    if upper:
        L = np.swapaxes(L, -1, -2)
    return L, info


def _cholesky_order(M: np.ndarray) -> int:
    for k in range(1, M.shape[-1] + 1):
        try:
            np.linalg.cholesky(M[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


@op("cholesky_ex", namespace=_NS, method=False, out=True)
def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> tuple:
    _square_float(A, "linalg.cholesky")
    L, info = _cholesky_data(A._data, upper, check_errors, "linalg.cholesky")
    out, info_t = result(L, A.dtype), result(info, _int32)
    record((out, info_t), LinalgCholeskyExBackward0, (A,), (OUTPUT,), upper=upper)
    return structured("linalg_cholesky_ex", ("L", "info"), (out, info_t))


@op("cholesky", namespace=_NS, method=False, out=True)
def linalg_cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    _square_float(A, "linalg.cholesky")
    L, info = _cholesky_data(A._data, upper, True, "linalg.cholesky")
    out = result(L, A.dtype)
    record((out, result(info, _int32)), LinalgCholeskyExBackward0, (A,), (OUTPUT,), upper=upper)
    return out


@op("cholesky", out=True)
def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    _square_float(input, "cholesky")
    L, _ = _cholesky_data(input._data, upper, True, "cholesky")
    return record(result(L, input.dtype), CholeskyBackward0, (input,), (OUTPUT,), upper=upper)


def _triangular(A: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    T = np.triu(A) if upper else np.tril(A)
    if unit:
        T = T - np.eye(A.shape[-1]) * np.diagonal(T, 0, -2, -1)[..., None, :] + np.eye(A.shape[-1])
    return T.astype(A.dtype, copy=False)


def _solve_triangular_grad(node: Any, g: Tensor, A: Tensor, X: Tensor) -> tuple:
    upper, left, unit = node.upper, node.left, node.unitriangular
    if left:
        gB = solve_triangular(_mT(A), g, upper=not upper, left=True, unitriangular=unit)
        gA = -matmul(gB, _mT(X))
    else:
        gB = solve_triangular(_mT(A), g, upper=not upper, left=False, unitriangular=unit)
        gA = -matmul(_mT(X), gB)
    gA = _triu(gA, 1 if unit else 0) if upper else _tril(gA, -1 if unit else 0)
    return gA, gB


LinalgSolveTriangularBackward0 = node_class("LinalgSolveTriangularBackward0", _solve_triangular_grad,
                                            module=__name__)


def _solve_tri_data(A: np.ndarray, B: np.ndarray, upper: bool, left: bool, unit: bool) -> np.ndarray:
    T = _triangular(A, upper, unit)
    with np.errstate(all="ignore"):
        if left:
            batch = np.broadcast_shapes(T.shape[:-2], B.shape[:-2])
            Tb, Bb = np.broadcast_to(T, batch + T.shape[-2:]), np.broadcast_to(B, batch + B.shape[-2:])
            return _tri_solve_batched(Tb, Bb)
        return np.swapaxes(_solve_tri_data(np.swapaxes(A, -1, -2), np.swapaxes(B, -1, -2), not upper, True, unit),
                           -1, -2)


def _tri_solve_batched(T: np.ndarray, B: np.ndarray) -> np.ndarray:
    if T.shape[-1] == 0 or B.size == 0:
        return np.zeros(B.shape, B.dtype)
    try:
        return np.linalg.solve(T, B)
    except np.linalg.LinAlgError:  # a zero on the diagonal: LAPACK's trtrs gives inf/nan, not an error
        out = np.empty(B.shape, B.dtype)
        from scipy.linalg import solve_triangular as scipy_solve  # startup: scipy is imported when first needed

        for idx in np.ndindex(*T.shape[:-2]):
            lower = np.allclose(T[idx], np.tril(T[idx]))
            out[idx] = scipy_solve(T[idx], B[idx], lower=lower, check_finite=False)
        return out


@op("solve_triangular", namespace=_NS, method=False, out=True)
def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    _check_float(A, "linalg.solve_triangular")
    data = _solve_tri_data(A._data, B._data, upper, left, unitriangular)
    out = result(data, A.dtype)
    return record(out, LinalgSolveTriangularBackward0, (A, B), (A, OUTPUT), upper=upper, left=left,
                  unitriangular=unitriangular)


def _triangular_solve_grad(node: Any, grads: list, A: Tensor, X: Tensor) -> tuple:
    g, gM = grads
    if g is None:
        return None, gM
    upper, trans, unit = node.upper, node.transpose, node.unitriangular
    At = _mT(A) if trans else A
    gB = solve_triangular(_mT(At), g, upper=(not upper) != trans, unitriangular=unit)
    gA = -matmul(gB, _mT(X))
    if trans:
        gA = _mT(gA)
    gA = _triu(gA, 1 if unit else 0) if upper else _tril(gA, -1 if unit else 0)
    return gB, gA if gM is None else gA + gM  # the cloned coefficient's gradient goes to A as it is


TriangularSolveBackward0 = node_class("TriangularSolveBackward0", _triangular_solve_grad, n_outputs=2,
                                      module=__name__)


@op("triangular_solve")
def triangular_solve(input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> tuple:
    a = _triangular(A._data, upper, unitriangular)
    if transpose:
        a = np.swapaxes(a, -1, -2)
    data = _solve_tri_data(a, input._data, upper != transpose, True, False)
    X = result(data, input.dtype)
    M = result(np.broadcast_to(A._data, np.broadcast_shapes(A._data.shape[:-2], input._data.shape[:-2])
                               + A._data.shape[-2:]).copy(), A.dtype)
    record((X, M), TriangularSolveBackward0, (input, A), (A, OUTPUT), upper=upper, transpose=transpose,
           unitriangular=unitriangular)
    return structured("triangular_solve", ("solution", "cloned_coefficient"), (X, M))


CholeskySolveBackward0 = node_class("CholeskySolveBackward0", lambda node, g, B, L, X: (
    cholesky_solve(g, L, node.upper),
    _cholesky_solve_l_grad(node, cholesky_solve(g, L, node.upper), L, X)), module=__name__)


def _cholesky_solve_l_grad(node: Any, gB: Tensor, L: Tensor, X: Tensor) -> Tensor:
    common = matmul(gB, _mT(X))
    common = -(common + _mT(common))
    return matmul(L, common) if node.upper else matmul(common, L)


@op("cholesky_solve", out=True)
def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    L = input2._data
    Lt = np.swapaxes(L, -1, -2)
    A = Lt @ L if upper else L @ Lt
    batch = np.broadcast_shapes(A.shape[:-2], input._data.shape[:-2])
    if A.shape[-1] == 0 or input._data.size == 0:
        data = np.zeros(batch + input._data.shape[-2:], input.dtype.np)
    else:
        data = np.linalg.solve(np.broadcast_to(A, batch + A.shape[-2:]),
                               np.broadcast_to(input._data, batch + input._data.shape[-2:]))
    return record(result(data, input.dtype), CholeskySolveBackward0, (input, input2), (input, input2, OUTPUT),
                  upper=upper)


def _cholesky_inverse_grad(node: Any, g: Tensor, L: Tensor, out: Tensor) -> tuple:
    common = -matmul(matmul(out, g + _mT(g)), out)
    return (matmul(L, common) if node.upper else matmul(common, L),)


CholeskyInverseBackward0 = node_class("CholeskyInverseBackward0", _cholesky_inverse_grad, module=__name__)


@op("cholesky_inverse", out=True)
def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:
    L = input._data
    Lt = np.swapaxes(L, -1, -2)
    A = Lt @ L if upper else L @ Lt
    data = np.linalg.inv(A) if A.shape[-1] else A.copy()
    return record(result(data, input.dtype), CholeskyInverseBackward0, (input,), (input, OUTPUT), upper=upper)



# ----- matrix_exp, pinv ------------------------------------------------------------------------------------

def _matrix_exp_grad(node: Any, g: Tensor, A: Tensor) -> tuple:
    """PyTorch's backward_analytic_function_of_a_matrix: exp of [[A^T, G], [0, A^T]], its upper-right block."""
    n = A.shape[-1]
    if n == 0:
        return (g,)
    At = _mT(A)
    top = _cat_last(At, g)
    bottom = _cat_last(At * 0, At)
    meta = _cat_rows(top, bottom)
    return (matrix_exp(meta).narrow(-2, 0, n).narrow(-1, n, n),)


def _cat_last(a: Tensor, b: Tensor) -> Tensor:

    return cat([a, b], -1)


def _cat_rows(a: Tensor, b: Tensor) -> Tensor:

    return cat([a, b], -2)


LinalgMatrixExpBackward0 = node_class("LinalgMatrixExpBackward0", _matrix_exp_grad, module=__name__)


@op("matrix_exp", namespace=_NS, method=False)
def linalg_matrix_exp(A: Tensor) -> Tensor:
    return matrix_exp(A)


@op("matrix_exp")
def matrix_exp(input: Tensor) -> Tensor:
    from scipy.linalg import expm  # startup: scipy is imported when first needed

    _square_float(input, "linalg.matrix_exp")
    a = input._data
    data = expm(a.astype(np.float64)) if a.shape[-1] else a.copy()
    return record(result(data, input.dtype), LinalgMatrixExpBackward0, (input,), (input,))


def _pinv_grad(node: Any, g: Tensor, A: Tensor, P: Tensor) -> tuple:
    m, n = A.shape[-2], A.shape[-1]
    Ph, gh = _mT(P), _mT(g)
    if m <= n:
        K = matmul(gh, P)
        KPh = matmul(K, Ph)
        gA = -_mT(matmul(P, K)) + KPh - matmul(matmul(A, P), KPh) + matmul(matmul(Ph, P), gh - matmul(K, A))
    else:
        K = matmul(P, gh)
        PhK = matmul(Ph, K)
        gA = -_mT(matmul(K, P)) + PhK - matmul(matmul(PhK, P), A) + matmul(matmul(gh - matmul(A, K), P), Ph)
    return (gA,)


LinalgPinvBackward0 = node_class("LinalgPinvBackward0", _pinv_grad, module=__name__)


def _tolerance(value: Any) -> Any:
    return value._data if isinstance(value, Tensor) else value


def _pinv_data(A: np.ndarray, atol: Any, rtol: Any, hermitian: bool) -> np.ndarray:
    m, n = A.shape[-2:]
    if A.size == 0:
        return np.zeros(A.shape[:-2] + (n, m), A.dtype)
    if hermitian:
        w, V = np.linalg.eigh(A)
        s = np.abs(w)
    else:
        U, s, Vh = np.linalg.svd(A, full_matrices=False)
    atol = 0.0 if atol is None else np.asarray(_tolerance(atol))
    if rtol is None:
        rtol = np.finfo(A.dtype).eps * max(m, n) if (atol is None or np.all(atol == 0)) else 0.0
    smax = s.max(axis=-1, keepdims=True)
    cutoff = np.maximum(np.asarray(atol)[..., None] if np.ndim(atol) else atol,
                        (np.asarray(_tolerance(rtol))[..., None] if np.ndim(_tolerance(rtol)) else rtol) * smax)
    keep = s > cutoff
    with np.errstate(all="ignore"):
        if hermitian:
            inv_w = np.where(keep, 1 / np.where(keep, w, 1), 0)
            return (V * inv_w[..., None, :]) @ np.swapaxes(V, -1, -2)
        inv_s = np.where(keep, 1 / np.where(keep, s, 1), 0)
    return np.swapaxes(Vh, -1, -2) @ (inv_s[..., :, None] * np.swapaxes(U, -1, -2))


@op("pinv", namespace=_NS, method=False, out=True)
def pinv(input: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    _check_matrix(input, "linalg.pinv")
    _check_float(input, "linalg.pinv")
    data = _pinv_data(input._data, atol, rtol, hermitian)
    return record(result(data.astype(input.dtype.np), input.dtype), LinalgPinvBackward0, (input,), (input, OUTPUT))


@op("pinverse")
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    return pinv(input, rtol=rcond)


# ----- eigh, eigvalsh, svd, svdvals ------------------------------------------------------------------------

def _eigh_grad(node: Any, grads: list, L: Tensor, V: Tensor) -> tuple:
    gL, gV = grads if isinstance(grads, list) else (grads, None)
    if gV is None:
        if gL is None:
            return (None,)
        return (matmul(V * gL.unsqueeze(-2), _mT(V)),)
    VhgV = matmul(_mT(V), gV)
    VhgV = (VhgV - _mT(VhgV)) * 0.5
    n = L.shape[-1]
    E = L.unsqueeze(-2) - L.unsqueeze(-1)
    E = E + _eye(n, n, E)
    ret = VhgV / E * _const(1 - np.eye(n), VhgV)
    if gL is not None:
        ret = ret + _diag_embed(gL)
    return (matmul(matmul(V, ret), _mT(V)),)


LinalgEighBackward0 = node_class("LinalgEighBackward0", _eigh_grad, n_outputs=2, module=__name__)


def _eigh(A: Tensor, UPLO: str, vectors: bool, name: str) -> tuple:
    _square_float(A, name)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, V = np.linalg.eigh(A._data, UPLO=UPLO)
    L_t, V_t = result(w, A.dtype), result(V, A.dtype)
    record((L_t, V_t), LinalgEighBackward0, (A,), (OUTPUT, V_t))
    return L_t, V_t


@op("eigh", namespace=_NS, method=False, out=True)
def eigh(A: Tensor, UPLO: str = "L") -> tuple:
    return structured("linalg_eigh", ("eigenvalues", "eigenvectors"), _eigh(A, UPLO, True, "linalg.eigh"))


@op("eigvalsh", namespace=_NS, method=False, out=True)
def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    return _eigh(A, UPLO, False, "linalg.eigvalsh")[0]


def _svd_grad(node: Any, grads: list, U: Tensor, S: Tensor, Vh: Tensor) -> tuple:
    """PyTorch's svd_backward for real inputs (full_matrices=False)."""
    gU, gS, gVh = grads
    if S.shape[-1] == 0:  # an empty matrix: a zero gradient of A's shape
        return (matmul(U.narrow(-1, 0, 0), Vh.narrow(-2, 0, 0)),)
    if gU is None and gVh is None:
        return (matmul(U * gS.unsqueeze(-2), Vh),) if gS is not None else (None,)
    m, n = U.shape[-2], Vh.shape[-1]
    k = S.shape[-1]
    V, gV = _mT(Vh), (_mT(gVh) if gVh is not None else None)
    UhgU = matmul(_mT(U), gU) if gU is not None else None
    VhgV = matmul(Vh, gV) if gV is not None else None
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)
    E = E + _eye(k, k, E)
    off = _const(1 - np.eye(k), S)
    skew_u = (UhgU - _mT(UhgU)) if UhgU is not None else None
    skew_v = (VhgV - _mT(VhgV)) if VhgV is not None else None
    if skew_u is not None and skew_v is not None:
        inner = (skew_u * S.unsqueeze(-2) + S.unsqueeze(-1) * skew_v) / E * off
    elif skew_u is not None:
        inner = skew_u * S.unsqueeze(-2) / E * off
    else:
        inner = S.unsqueeze(-1) * skew_v / E * off
    if gS is not None:
        inner = inner + _diag_embed(gS)
    gA = matmul(matmul(U, inner), Vh)
    if m > k and gU is not None:
        proj = gU - matmul(U, UhgU)
        gA = gA + matmul(proj / S.unsqueeze(-2), Vh)
    if n > k and gV is not None:
        proj = gV - matmul(V, VhgV)
        gA = gA + matmul(U, _mT(proj / S.unsqueeze(-2)))
    return (gA,)


LinalgSvdBackward0 = node_class("LinalgSvdBackward0", _svd_grad, n_outputs=3, module=__name__)


def _svd(A: Tensor, full_matrices: bool, name: str) -> tuple:
    _check_matrix(A, name)
    _check_float(A, name)
    a = A._data
    m, n = a.shape[-2:]
    if a.size == 0:
        k = min(m, n)
        U = np.broadcast_to(np.eye(m, m if full_matrices else k, dtype=a.dtype), a.shape[:-2] + (m, m if full_matrices else k)).copy()
        Vh = np.broadcast_to(np.eye(n if full_matrices else k, n, dtype=a.dtype), a.shape[:-2] + (n if full_matrices else k, n)).copy()
        S = np.zeros(a.shape[:-2] + (k,), a.dtype)
    else:
        U, S, Vh = np.linalg.svd(a, full_matrices=full_matrices)
    outs = tuple(result(x, A.dtype) for x in (U, S, Vh))
    record(outs, LinalgSvdBackward0, (A,), (outs[0], OUTPUT, outs[2]))
    node = outs[1].grad_fn
    if node is not None:  # the values are saved as U, S, Vh (OUTPUT is the first output, U)
        node.values = tuple(node.values[:1]) + (_save_output(outs[1]),) + tuple(node.values[2:])
    return outs


def _save_output(t: Tensor) -> Any:

    return save_output(t)


@op("svd", namespace=_NS, method=False, out=True)
def linalg_svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None) -> tuple:
    return structured("linalg_svd", ("U", "S", "Vh"), _svd(A, full_matrices, "linalg.svd"))


@op("svdvals", namespace=_NS, method=False, out=True)
def svdvals(A: Tensor, *, driver: str | None = None) -> Tensor:
    return _svd(A, False, "linalg.svd")[1]


@op("svd", out=True)
def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> tuple:
    U, S, Vh = _svd(input, not some, "linalg.svd")
    if not compute_uv:
        U, Vh = U.detach() * 0, Vh.detach() * 0
    return structured("svd", ("U", "S", "V"), (U, S, _mT(Vh)))


# ----- norms ---------------------------------------------------------------------------------------------

@op("vector_norm", namespace=_NS, method=False, out=True)
def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:

    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None
    return norm(x, ord, dim, keepdim, dtype)


def _matrix_dims(A: Tensor, dim: Any) -> tuple:
    nd = A._data.ndim
    if nd < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    d0, d1 = (d % nd for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


@op("matrix_norm", namespace=_NS, method=False, out=True)
def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    d0, d1 = _matrix_dims(A, dim)
    _check_float(A, "linalg.matrix_norm")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2, 2.0, -2.0):
        s = svdvals(A.movedim((d0, d1), (-2, -1)))
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord > 0 else s.amin(-1))
        if keepdim:  # PyTorch puts the two kept dims back with a movedim (PermuteBackward0)
            r = r.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (d0, d1))
        return r
    if ord in (1, -1, math.inf, -math.inf):
        if math.isinf(ord):
            d0, d1 = d1, d0
        if not keepdim and d0 < d1:
            d1 -= 1
        col = vector_norm(A, 1, (d0,), keepdim)
        return col.amax(d1, keepdim) if ord > 0 else col.amin(d1, keepdim)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


@op("norm", namespace=_NS, method=False, out=True)
def linalg_norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is not None:
        if A._data.ndim == 1:
            return vector_norm(A, ord, None, keepdim, dtype=dtype)
        if A._data.ndim == 2:
            return matrix_norm(A, ord, (0, 1), keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A._data.ndim}D.")
    return vector_norm(A, 2, None, keepdim, dtype=dtype)


@op("matrix_rank", namespace=_NS, method=False, out=True)
def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    _check_matrix(A, "torch.linalg.matrix_rank")
    _check_float(A, "linalg.matrix_rank")
    a = A._data
    m, n = a.shape[-2:]
    if a.size == 0:
        return result(np.zeros(a.shape[:-2], np.int64), dtypes.int64)
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    atol_v = 0.0 if atol is None else np.asarray(_tolerance(atol))
    if rtol is None:
        rtol_v = np.finfo(a.dtype).eps * max(m, n) if (atol is None or np.all(atol_v == 0)) else 0.0
    else:
        rtol_v = np.asarray(_tolerance(rtol))
    smax = s.max(axis=-1, keepdims=True)
    cutoff = np.maximum(np.asarray(atol_v)[..., None] if np.ndim(atol_v) else atol_v,
                        (np.asarray(rtol_v)[..., None] if np.ndim(rtol_v) else rtol_v) * smax)
    return result((s > cutoff).sum(axis=-1), dtypes.int64)


def _matrix_power_number(A: Tensor, n: int) -> Tensor:
    if n == 0:

        eye = _eye(A.shape[-1], A.shape[-1], A).expand(tuple(A.shape))
        out = A.detach() * 0
        with no_grad():
            out = out + eye
        if A.requires_grad:  # PyTorch copies the identity into a zero tensor: CopyBackwards
            out = _copy_node(out, A)
        return out
    if n < 0:
        A = inv(A)
        n = -n
        if n == 1:
            return A
    if n == 1:
        return A.clone()
    result_t = None
    base = A
    while n:
        if n & 1:
            result_t = base if result_t is None else matmul(result_t, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result_t


def _copy_grad(node: Any, g: Tensor) -> tuple:
    return (g * 0,)


CopyBackwards = node_class("CopyBackwards", _copy_grad, module=__name__)


def _copy_node(out: Tensor, A: Tensor) -> Tensor:
    return record(out, CopyBackwards, (A,))


@op("matrix_power", namespace=_NS, method=False, out=True)
def linalg_matrix_power(A: Tensor, n: int) -> Tensor:
    _check_square(A, "linalg.matrix_power")
    return _matrix_power_number(A, n)


@op("matrix_power")
def matrix_power(input: Tensor, n: int) -> Tensor:
    return linalg_matrix_power(input, n)


# ----- qr ------------------------------------------------------------------------------------------------

def _qr_grad(node: Any, grads: list, Q: Tensor, R: Tensor) -> tuple:
    """PyTorch's linalg_qr_backward (real inputs)."""
    gQ, gR = grads
    if node.mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                           "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                           "linalg.qr.")
    m, n = Q.shape[-2], R.shape[-1]
    if gQ is not None:
        gA = matmul(gR, _mT(R)) - matmul(_mT(Q), gQ) if gR is not None else -matmul(_mT(Q), gQ)
    else:
        gA = matmul(gR, _mT(R))
    if m >= n:
        X = _triu(gA)
        X = (X + _mT(X)) * _const(1 - 0.5 * np.eye(X.shape[-1]), X)
        gA = matmul(Q, X)
        if gQ is not None:
            gA = gA + gQ
        return (solve_triangular(_mT(R), gA, upper=False, left=False),)
    # wide: A = Q [X Y] is the square QR of A1 = Q X with Y = Q^T A2

    X, Y = R.narrow(-1, 0, m), R.narrow(-1, m, n - m)
    gX = gR.narrow(-1, 0, m) if gR is not None else None
    gY = gR.narrow(-1, m, n - m) if gR is not None else Y * 0
    gA2 = matmul(Q, gY)
    gQ1 = matmul(Q, matmul(Y, _mT(gY))) if gQ is None else gQ + matmul(Q, matmul(Y, _mT(gY)))
    return (cat([_qr_square_backward(gQ1, gX, Q, X), gA2], -1),)


def _qr_square_backward(gQ: Any, gR: Any, Q: Tensor, R: Tensor) -> Tensor:
    gA = -matmul(_mT(Q), gQ) if gQ is not None else None
    if gR is not None:
        t = matmul(gR, _mT(R))
        gA = t if gA is None else gA + t
    X = _triu(gA)
    X = (X + _mT(X)) * _const(1 - 0.5 * np.eye(X.shape[-1]), X)
    gA = matmul(Q, X)
    if gQ is not None:
        gA = gA + gQ
    return solve_triangular(_mT(R), gA, upper=False, left=False)


LinalgQrBackward0 = node_class("LinalgQrBackward0", _qr_grad, n_outputs=2, module=__name__)


def _qr(A: Tensor, mode: str, name: str) -> tuple:
    _check_matrix(A, name)
    _check_float(A, name)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    a = A._data
    m, n = a.shape[-2:]
    k = min(m, n)
    if a.size == 0:
        qcols = m if mode == "complete" else k
        Q = np.broadcast_to(np.eye(m, qcols, dtype=a.dtype), a.shape[:-2] + (m, qcols)).copy()
        R = np.zeros(a.shape[:-2] + ((m if mode == "complete" else k), n), a.dtype)
    else:
        Q, R = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        Q = np.zeros((0,), a.dtype)
    outs = (result(Q, A.dtype), result(R, A.dtype))
    record(outs, LinalgQrBackward0, (A,), (OUTPUT, outs[1]), mode=mode)
    return outs


@op("qr", namespace=_NS, method=False, out=True)
def linalg_qr(A: Tensor, mode: str = "reduced") -> tuple:
    return structured("linalg_qr", ("Q", "R"), _qr(A, mode, "linalg.qr"))


@op("qr", out=True)
def qr(input: Tensor, some: bool = True) -> tuple:
    return structured("qr", ("Q", "R"), _qr(input, "reduced" if some else "complete", "linalg.qr"))


# ----- lu ------------------------------------------------------------------------------------------------

def _lu_square_backward(gL: Any, gU: Any, L: Tensor, U: Tensor) -> Tensor:
    """gA of A = L U (square, unit lower L): L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T."""
    gA = _tril(matmul(_mT(L), gL), -1) if gL is not None else None
    if gU is not None:
        t = _triu(matmul(gU, _mT(U)))
        gA = t if gA is None else gA + t
    gA = solve_triangular(_mT(U), gA, upper=False, left=False)
    return solve_triangular(_mT(L), gA, upper=True, left=True, unitriangular=True)


def _lu_backward(gL: Any, gU: Any, P: Tensor, L: Tensor, U: Tensor, pivot: bool) -> Tensor:
    """The gradient of A = P L U (real inputs). A wide A = L [U1 U2] is the square L U1 and U2 = L^-1 A2;
    a tall A = [L1; L2] U is the square L1 U and L2 = A2 U^-1 (their gradients feed the square factors)."""

    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if m == n:
        gA = _lu_square_backward(gL, gU, L, U)
    elif m < n:
        U1, U2 = U.narrow(-1, 0, k), U.narrow(-1, k, n - k)
        gU1 = gU.narrow(-1, 0, k) if gU is not None else None
        gU2 = gU.narrow(-1, k, n - k) if gU is not None else U2 * 0
        gA2 = solve_triangular(_mT(L), gU2, upper=True, left=True, unitriangular=True)
        shift = -matmul(gA2, _mT(U2))
        gA1 = _lu_square_backward(shift if gL is None else gL + shift, gU1, L, U1)
        gA = cat([gA1, gA2], -1)
    else:
        L1, L2 = L.narrow(-2, 0, k), L.narrow(-2, k, m - k)
        gL1 = gL.narrow(-2, 0, k) if gL is not None else None
        gL2 = gL.narrow(-2, k, m - k) if gL is not None else L2 * 0
        gA2 = solve_triangular(_mT(U), gL2, upper=False, left=False)
        shift = -matmul(_mT(L2), gA2)
        gA1 = _lu_square_backward(gL1, shift if gU is None else gU + shift, L1, U)
        gA = cat([gA1, gA2], -2)
    return matmul(P, gA) if pivot else gA


def _lu_grad(node: Any, grads: list, P: Tensor, L: Tensor, U: Tensor) -> tuple:
    _, gL, gU = grads
    if gL is None and gU is None:
        return (None,)
    return (_lu_backward(gL, gU, P, L, U, node.pivot),)


def _lu_factor_grad(node: Any, grads: list, P: Tensor, L: Tensor, U: Tensor) -> tuple:
    g = grads[0]
    if g is None:
        return (None,)
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    gL = _tril(g.narrow(-1, 0, k), -1)
    gU = _triu(g.narrow(-2, 0, k))
    return (_lu_backward(gL, gU, P, L, U, node.pivot),)


LinalgLuBackward0 = node_class("LinalgLuBackward0", _lu_grad, n_outputs=3, module=__name__)
LinalgLuFactorExBackward0 = node_class("LinalgLuFactorExBackward0", _lu_factor_grad, n_outputs=3, module=__name__)


def _lu_data(a: np.ndarray) -> tuple:
    """(P, L, U, LU, 1-based int32 pivots) of a batch of (m, n) matrices, with partial pivoting."""
    from scipy.linalg import lu, lu_factor  # startup: scipy is imported when first needed

    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    P = np.zeros(batch + (m, m), a.dtype)
    L = np.zeros(batch + (m, k), a.dtype)
    U = np.zeros(batch + (k, n), a.dtype)
    LU = np.zeros(batch + (m, n), a.dtype)
    piv = np.zeros(batch + (k,), np.int32)
    for idx in np.ndindex(*batch):
        M = a[idx]
        if M.size == 0:
            P[idx] = np.eye(m, dtype=a.dtype)
            continue
        P[idx], L[idx], U[idx] = lu(M, check_finite=False)
        lu_, p = lu_factor(M, check_finite=False)
        LU[idx], piv[idx] = lu_, p[:k] + 1
    return P, L, U, LU, piv


def _lu_check(A: Tensor, name: str, pivot: bool) -> None:
    _check_matrix(A, name)
    _check_float(A, name)
    if not pivot:
        raise RuntimeError(f"{name}: LU without pivoting is not implemented on the CPU")


@op("lu_factor_ex", namespace=_NS, method=False, out=True)
def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> tuple:
    _lu_check(A, "linalg.lu_factor", pivot)
    P, L, U, LU, piv = _lu_data(A._data)
    outs = (result(LU, A.dtype), result(piv, _int32), result(np.zeros(A._data.shape[:-2], np.int32), _int32))
    record(outs, LinalgLuFactorExBackward0, (A,), (result(P, A.dtype), result(L, A.dtype), result(U, A.dtype)),
           pivot=pivot)
    return structured("linalg_lu_factor_ex", ("LU", "pivots", "info"), outs)


@op("lu_factor", namespace=_NS, method=False, out=True)
def lu_factor(A: Tensor, *, pivot: bool = True) -> tuple:
    LU, piv, _ = lu_factor_ex(A, pivot=pivot)
    return structured("linalg_lu_factor", ("LU", "pivots"), (LU, piv))


@op("lu", namespace=_NS, method=False, out=True)
def linalg_lu(A: Tensor, *, pivot: bool = True) -> tuple:
    _lu_check(A, "linalg.lu", pivot)
    P, L, U, _, _ = _lu_data(A._data)
    outs = (result(P, A.dtype), result(L, A.dtype), result(U, A.dtype))
    record(outs, LinalgLuBackward0, (A,), outs, pivot=pivot)
    outs[0]._grad_fn, outs[0]._rg = None, False  # the permutation is not differentiable
    return structured("linalg_lu", ("P", "L", "U"), outs)


def _lu_solve_grad(node: Any, g: Tensor, LU: Tensor, pivots: Tensor, X: Tensor) -> tuple:
    left, adjoint = node.left, node.adjoint
    gB = lu_solve(LU, pivots, g, left=left, adjoint=not adjoint)
    gLU = None
    if node.needs(0):
        P, L, U = _unpack(LU, pivots)
        if left:
            gR = -matmul(X, _mT(gB)) if adjoint else -matmul(gB, _mT(X))
        else:
            gR = -matmul(_mT(gB), X) if adjoint else -matmul(_mT(X), gB)
        # the gradient of A = P L U, projected onto LU's packed storage (PyTorch's linalg_lu_solve_LU)
        gR = matmul(_mT(P), gR)
        gL = _tril(matmul(gR, _mT(U)), -1)
        gU = _triu(matmul(_mT(L), gR))
        gLU = gL + gU
    return gLU, None, gB


LinalgLuSolveBackward0 = node_class("LinalgLuSolveBackward0", _lu_solve_grad, module=__name__)


def _unpack(LU: Tensor, pivots: Tensor) -> tuple:
    a = LU._data
    m, n = a.shape[-2:]
    k = min(m, n)
    P = np.zeros(a.shape[:-2] + (m, m), a.dtype)
    for idx in np.ndindex(*a.shape[:-2]):
        perm = np.arange(m)
        for i, p in enumerate(pivots._data[idx][:k] - 1):
            perm[i], perm[p] = perm[p], perm[i]
        P[idx][perm, np.arange(m)] = 1
    return result(P, LU.dtype), _tril(LU.narrow(-1, 0, k), -1) + _const(np.eye(m, k), LU), _triu(LU.narrow(-2, 0, k))


@op("lu_solve", namespace=_NS, method=False, out=True)
def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    _check_square(LU, "linalg.lu_solve", "LU")
    P, L, U = (t._data for t in _unpack(LU.detach(), pivots))
    A = P @ L @ U
    if adjoint:
        A = np.swapaxes(A, -1, -2)
    data = _solve_data(A, B._data, False, left)
    return record(result(data, B.dtype), LinalgLuSolveBackward0, (LU, pivots, B), (LU, pivots, OUTPUT),
                  left=left, adjoint=adjoint)


@op("lu_solve")
def torch_lu_solve(input: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    return lu_solve(LU_data, LU_pivots, input)


def _lu_unpack_grad(node: Any, grads: list, ref: Tensor) -> tuple:

    _, gL, gU = grads
    m, n = ref.shape[-2], ref.shape[-1]
    k = min(m, n)
    g = None
    if gL is not None:
        g = _tril(gL, -1)
        if n > k:
            g = cat([g, ref.narrow(-1, k, n - k) * 0], -1)
    if gU is not None:
        u = _triu(gU)
        if m > k:
            u = cat([u, ref.narrow(-2, k, m - k) * 0], -2)
        g = u if g is None else g + u
    return g, None


LuUnpackBackward0 = node_class("LuUnpackBackward0", _lu_unpack_grad, n_outputs=3, module=__name__)


@op("lu_unpack", out=True)
def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True) -> tuple:
    with _no_grad():
        P, L, U = _unpack(LU_data, LU_pivots)
    L, U = L.detach(), U.detach()
    if not unpack_pivots:
        P = result(np.zeros((0,), LU_data.dtype.np), LU_data.dtype)
    if not unpack_data:
        L = result(np.zeros((0,), LU_data.dtype.np), LU_data.dtype)
        U = result(np.zeros((0,), LU_data.dtype.np), LU_data.dtype)
    record((P, L, U), LuUnpackBackward0, (LU_data, LU_pivots), (LU_data.detach(),))
    P._grad_fn, P._rg = None, False
    return structured("lu_unpack", ("P", "L", "U"), (P, L, U))


def _no_grad() -> Any:

    return no_grad()


@op("lu", method=True)
def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> tuple:
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    return (LU, piv, info) if get_infos else (LU, piv)


# ----- compositions, recorded as PyTorch records them (their last op's node) ------------------------------

@op("kron", out=True)
def kron(input: Tensor, other: Tensor) -> Tensor:

    nd = max(input._data.ndim, other._data.ndim)
    a = input.reshape(tuple((1,) * (nd - input._data.ndim) + input._data.shape))
    b = other.reshape(tuple((1,) * (nd - other._data.ndim) + other._data.shape))
    a_shape, b_shape = [], []
    for sa, sb in zip(a.shape, b.shape):
        a_shape += [sa, 1]
        b_shape += [1, sb]
    prod = a.reshape(tuple(a_shape)) * b.reshape(tuple(b_shape))
    return _unsafe_view(prod, tuple(sa * sb for sa, sb in zip(a.shape, b.shape)))


@op("tensordot", out=True)
def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        da, db = dims
        da, db = ([da], [db]) if isinstance(da, int) else (list(da), list(db))
    da = [d % a.dim() for d in da]
    db = [d % b.dim() for d in db]
    for i, j in zip(da, db):  # a size-1 dim contracts with the other's whole dim: sum that one first
        if a.shape[i] == 1 and b.shape[j] != 1:
            b = b.sum(j, keepdim=True)
        elif b.shape[j] == 1 and a.shape[i] != 1:
            a = a.sum(i, keepdim=True)
    free_a = [d for d in range(a.dim()) if d not in da]
    free_b = [d for d in range(b.dim()) if d not in db]
    csize = int(np.prod([a.shape[d] for d in da])) if da else 1
    size_a = int(np.prod([a.shape[d] for d in free_a])) if free_a else 1
    size_b = int(np.prod([b.shape[d] for d in free_b])) if free_b else 1
    ta = a.permute(tuple(free_a + da)).reshape(size_a, csize)
    tb = b.permute(tuple(db + free_b)).reshape(csize, size_b)

    return mm(ta, tb).reshape(tuple([a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]))


@op("inner", out=True)
def inner(input: Tensor, other: Tensor) -> Tensor:
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


@op("multi_dot", namespace=_NS, method=False, out=True)
def multi_dot(tensors: Any) -> Tensor:

    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vec, last_vec = tensors[0].dim() == 1, tensors[-1].dim() == 1
    mats = list(tensors)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i, t in enumerate(mats):
        if t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {tensors[i].dim()}D")
    out = mats[0]
    for t in mats[1:]:
        out = mm(out, t)
    shape = [s for s, keep in ((out.shape[0], not first_vec), (out.shape[1], not last_vec)) if keep]
    return out.view(tuple(shape))


@op("chain_matmul", out=True)
def chain_matmul(*matrices: Tensor) -> Tensor:
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


@op("diagonal", namespace=_NS, method=False)
def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    return A.diagonal(offset, dim1, dim2)


@op("vander", namespace=_NS, method=False)
def vander(x: Tensor, N: int | None = None) -> Tensor:

    if x.dim() < 1:
        x = x.reshape(1)
    n = x.shape[-1] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if n <= 1:
        return (x.unsqueeze(-1) ** 0).expand(*x.shape, n).clone() if n else x.unsqueeze(-1).narrow(-1, 0, 0) * 1
    xs = x.unsqueeze(-1)
    powers = [xs]
    for _ in range(n - 2):
        powers.append(powers[-1] * xs)
    return cat([xs * 0 + 1] + powers, -1)


def _reshape_alias_grad(node: Any, g: Tensor) -> tuple:
    return (g.reshape(tuple(node.shape)),)


ReshapeAliasBackward0 = node_class("ReshapeAliasBackward0", _reshape_alias_grad, module=__name__)


@op("tensorinv", namespace=_NS, method=False, out=True)
def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    front, back = A.shape[:ind], A.shape[ind:]
    rows, cols = int(np.prod(front)), int(np.prod(back))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    Ainv = inv(A.reshape(rows, cols))
    out = Tensor._wrap(Ainv._data.reshape(tuple(back) + tuple(front)), Ainv.dtype)
    return record(out, ReshapeAliasBackward0, (Ainv,), shape=(rows, cols))


@op("tensorsolve", namespace=_NS, method=False, out=True)
def tensorsolve(A: Tensor, B: Tensor, dims: Any = None) -> Tensor:
    if dims is not None:
        nd = A.dim()
        dims = [d % nd for d in dims]
        A = A.permute(tuple([d for d in range(nd) if d not in dims] + dims))
    res_shape = A.shape[B.dim():]
    n = int(np.prod(res_shape))
    X = linalg_solve(A.reshape(-1, n), B.reshape(-1))
    return X.view(tuple(res_shape))


@op("cond", namespace=_NS, method=False, out=True)
def cond(A: Tensor, p: Any = None) -> Tensor:
    _check_matrix(A, "linalg.cond")
    if p is None or p in (2, -2):
        s = svdvals(A)
        top, bottom = s.narrow(-1, 0, 1), s.narrow(-1, s.shape[-1] - 1, 1)
        return (bottom / top if p == -2 else top / bottom).squeeze(-1)
    _check_square(A, f"linalg.cond(ord={p if isinstance(p, str) else int(p)})")
    inverse, _ = inv_ex(A)

    return nan_to_num(matrix_norm(A, p) * matrix_norm(inverse, p), float("inf"), float("inf"))


# ----- lstsq ---------------------------------------------------------------------------------------------

def _lstsq_grad(node: Any, grads: list, A: Tensor, B: Tensor, X: Tensor) -> tuple:
    gX, gres = grads[0], grads[1]
    vector = node.vector
    b2 = B.unsqueeze(-1) if vector else B
    x2 = X.unsqueeze(-1) if vector else X
    gA = gB = None
    if gX is not None:
        pinvA = pinv(A)
        g2 = gX.unsqueeze(-1) if vector else gX
        gA = _pinv_grad(node, matmul(g2, _mT(b2)), A, pinvA)[0] if node.needs(0) else None
        gB = matmul(_mT(pinvA), g2) if node.needs(1) else None
    if gres is not None and gres.numel():
        # residuals = |A X - B|^2 per column; X is optimal, so only the explicit A and B terms remain
        R = matmul(A, x2) - b2
        w = gres.unsqueeze(-1).unsqueeze(-2) if vector else gres.unsqueeze(-2)
        ra = matmul(R * w, _mT(x2)) * 2
        rb = R * w * -2
        gA = ra if gA is None else gA + ra
        gB = rb if gB is None else gB + rb
    if gB is not None and vector:
        gB = gB.squeeze(-1)
    return gA, gB


LinalgLstsqBackward0 = node_class("LinalgLstsqBackward0", _lstsq_grad, n_outputs=4, module=__name__)


@op("lstsq", namespace=_NS, method=False, out=True)
def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> tuple:
    _check_matrix(A, "torch.linalg.lstsq")
    drivers = ("gels", "gelsy", "gelsd", "gelss")
    if driver is not None and driver not in drivers:
        raise RuntimeError("parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    driver = driver or "gelsy"
    vector = B.dim() == A.dim() - 1
    a = A._data
    b = B._data[..., None] if vector else B._data
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a_b, b_b = np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])
    m, n = a.shape[-2:]
    k = b.shape[-1]
    X = np.zeros(batch + (n, k), a.dtype)
    rank = np.zeros(batch, np.int64)
    sv = np.zeros(batch + (min(m, n),), a.dtype)
    for idx in np.ndindex(*batch):
        if a_b[idx].size and b_b[idx].size:
            X[idx], _, rank[idx], sv[idx] = np.linalg.lstsq(a_b[idx], b_b[idx], rcond=rcond)
    residuals = np.zeros((0,), a.dtype)
    if driver != "gelsy" and m > n and bool(np.all(rank == n)) and driver != "gels" or (driver == "gels" and m > n):
        residuals = ((np.matmul(a_b, X) - b_b) ** 2).sum(axis=-2)
        if vector:
            residuals = residuals[..., 0]
    sol = result(X[..., 0] if vector else X, A.dtype)
    outs = (sol, result(residuals, A.dtype),
            result(rank if driver != "gels" else np.zeros((0,), np.int64), dtypes.int64),
            result(sv if driver in ("gelsd", "gelss") else np.zeros((0,), a.dtype), A.dtype))
    record(outs, LinalgLstsqBackward0, (A, B), (A, B, OUTPUT), vector=vector)
    outs[3]._grad_fn, outs[3]._rg = None, False  # PyTorch's singular values come without a gradient
    return structured("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"), outs)


# ----- einsum: contractions as permute / sum / mul / bmm, the ops PyTorch's einsum records ------------------

def _einsum_parse(equation: str, operands: list) -> tuple:
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(operands) > len(terms) else
                           "einsum(): fewer operands were provided than specified in the equation")
    ell_dims = max((t.dim() - (len(term) - 3) for term, t in zip(terms, operands) if "..." in term), default=0)
    ell = [chr(0x100 + i) for i in range(ell_dims)]  # letters no equation uses, for the broadcast dims
    expanded = []
    for term, t in zip(terms, operands):
        if "..." in term:
            n = t.dim() - (len(term) - 3)
            term = term.replace("...", "".join(ell[ell_dims - n:]))
        if len(term) != t.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not match "
                               f"the number of dimensions ({t.dim()}) for operand {len(expanded)}"
                               + ("" if "..." in term else " and no ellipsis was given"))
        expanded.append(term)
    if arrow:
        out = rhs.replace("...", "".join(ell))
    else:
        counts: dict = {}
        for term in expanded:
            for c in term:
                counts[c] = counts.get(c, 0) + 1
        out = "".join(ell) + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    return expanded, out


def _einsum_unique(t: Tensor, term: str) -> tuple:
    """Repeated letters in one operand: take their diagonal."""
    while len(set(term)) != len(term):
        c = next(c for c in term if term.count(c) > 1)
        i = term.index(c)
        j = term.index(c, i + 1)
        t = t.diagonal(0, i, j)
        term = term[:i] + term[i + 1:j] + term[j + 1:] + c
    return t, term


def _einsum_pair(a: Tensor, ta: str, b: Tensor, tb: str, keep: str) -> tuple:
    """a (letters ta) times b (letters tb), summing every letter not in `keep`."""
    summed_alone = False
    for t_name in ("a", "b"):
        t, term, other = (a, ta, tb) if t_name == "a" else (b, tb, ta)
        only = [i for i, c in enumerate(term) if c not in other and c not in keep]
        if only:
            summed_alone = True
            t = t.sum(tuple(only))
            term = "".join(c for i, c in enumerate(term) if i not in only)
        if t_name == "a":
            a, ta = t, term
        else:
            b, tb = t, term
    batch = [c for c in ta if c in tb and c in keep]
    contracted = [c for c in ta if c in tb and c not in keep]
    left = [c for c in ta if c not in tb]
    right = [c for c in tb if c not in ta]
    size = {c: s for term, t in ((ta, a), (tb, b)) for c, s in zip(term, t.shape) if s != 1}
    for term, t in ((ta, a), (tb, b)):
        for c, s in zip(term, t.shape):
            size.setdefault(c, s)
    if not contracted:
        order_a = batch + left
        pa = a.permute(tuple([ta.index(c) for c in order_a])) if list(ta) != order_a else a
        pb = b.permute(tuple([tb.index(c) for c in batch + right])) if list(tb) != batch + right else b
        pa = pa.reshape(*pa.shape, *([1] * len(right)))
        pb = pb.reshape(*pb.shape[:len(batch)], *([1] * len(left)), *pb.shape[len(batch):])
        prod = pa * pb
        if summed_alone:  # ATen's sumproduct_pair then reshapes its product (a ViewBackward0 on top)
            prod = prod.view(tuple(prod.shape))
        return prod, "".join(batch + left + right)
    pa = a.permute(tuple([ta.index(c) for c in batch + left + contracted]))
    pb = b.permute(tuple([tb.index(c) for c in batch + contracted + right]))
    bshape_a = [a.shape[ta.index(c)] for c in batch]
    bshape_b = [b.shape[tb.index(c)] for c in batch]
    nl = int(np.prod([size[c] for c in left])) if left else 1
    nr = int(np.prod([size[c] for c in right])) if right else 1
    nc_a = int(np.prod([a.shape[ta.index(c)] for c in contracted]))
    nc_b = int(np.prod([b.shape[tb.index(c)] for c in contracted]))
    ma = pa.reshape(*bshape_a, nl, nc_a)
    mb = pb.reshape(*bshape_b, nc_b, nr)
    if nc_a != nc_b:  # a size-1 contracted dim on one side: sum the other side's
        if nc_a == 1:
            mb = mb.sum(-2, keepdim=True)
        else:
            ma = ma.sum(-1, keepdim=True)
    prod = matmul(ma, mb)
    batch_sizes = list(prod.shape[:len(batch)])
    return prod.view(*batch_sizes, *[size[c] for c in left], *[size[c] for c in right]), "".join(batch + left + right)


@op("einsum")
def einsum(equation: str, *operands: Any) -> Tensor:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    terms, out = _einsum_parse(equation, list(operands))
    pairs = [_einsum_unique(t, term) for t, term in zip(operands, terms)]
    t, term = pairs[0]
    for k, (u, uterm) in enumerate(pairs[1:], start=1):
        later = "".join(x for _, x in pairs[k + 1:])
        t, term = _einsum_pair(t, term, u, uterm, out + later)
    extra = [i for i, c in enumerate(term) if c not in out]
    if extra:
        t = t.sum(tuple(extra)) if len(pairs) > 1 else t.permute(
            *[term.index(c) for c in out] + extra).sum(tuple(range(len(out), len(term))))
        term = "".join(c for c in term if c in out) if len(pairs) > 1 else out
    elif len(pairs) == 1:  # one operand: ATen permutes it into the output's order, even an identity order
        return t.permute(tuple([term.index(c) for c in out]))
    if term != out:
        t = t.permute(tuple([term.index(c) for c in out]))
    return t


# ----- householder_product, geqrf, ldl ----------------------------------------------------------------------

def _householder_composite(A: Tensor, tau: Tensor, cols: int | None = None) -> Tensor:
    """Q = H_1 ... H_k (its first `cols` columns, n by default), H_i = I - tau_i v_i v_i^T, as Tensor ops."""
    m, n = A.shape[-2], A.shape[-1]
    k = tau.shape[-1]
    cols = n if cols is None else cols
    below = _const(np.tril(np.ones((m, n)), -1), A)
    V = A * below + _eye(m, n, A)  # unit diagonal, the reflectors below it
    Q = _eye(m, cols, A).expand(*A.shape[:-2], m, cols) * 1
    for i in reversed(range(k)):
        v = V.narrow(-1, i, 1)
        t = tau.narrow(-1, i, 1).unsqueeze(-1)
        Q = Q - t * matmul(v, matmul(_mT(v), Q))
    return Q


def _householder_grad(node: Any, g: Tensor, A: Tensor, tau: Tensor) -> tuple:
    """The vector-Jacobian product of the composite above (recomputed with grad enabled)."""

    create = _grad_state.grad_enabled
    with enable_grad():
        a = A if create else A.detach().requires_grad_(True)
        t = tau if create else tau.detach().requires_grad_(True)
        Q = _householder_composite(a, t)
        if not Q.requires_grad:  # no reflectors (tau empty): Q is the identity; PyTorch gives no gradients
            return None, None
        ga, gt = autograd_grad([Q], [a, t], [g], create_graph=create, allow_unused=True)
    return ga, gt


LinalgHouseholderProductBackward0 = node_class("LinalgHouseholderProductBackward0", _householder_grad,
                                               module=__name__)


@op("householder_product", namespace=_NS, method=False, out=True)
def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    _check_matrix(A, "torch.linalg.householder_product")
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if tau.shape[-1] > n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")

    with no_grad():
        Q = _householder_composite(A.detach(), tau.detach())
    out = result(Q._data.copy(), A.dtype)
    return record(out, LinalgHouseholderProductBackward0, (A, tau), (A, tau))


def _lapack(name: str, dtype: np.dtype) -> Any:
    from scipy.linalg import lapack  # startup: scipy is imported when first needed

    return getattr(lapack, ("s" if dtype == np.float32 else "d") + name)


@op("geqrf")
def geqrf(input: Tensor) -> tuple:
    _check_matrix(input, "geqrf")
    a = input._data
    m, n = a.shape[-2:]
    qr_ = np.empty_like(a)
    tau = np.zeros(a.shape[:-2] + (min(m, n),), a.dtype)
    for idx in np.ndindex(*a.shape[:-2]):
        if a[idx].size:
            qr_[idx], tau[idx] = _lapack("geqrf", a.dtype)(a[idx])[:2]
    return structured("geqrf", ("a", "tau"), (result(qr_, input.dtype), result(tau, input.dtype)))


def _ldl(A: Tensor, hermitian: bool, check: bool) -> tuple:
    _square_float(A, "torch.linalg.ldl_factor_ex")
    a = A._data
    LD = np.zeros_like(a)
    piv = np.zeros(a.shape[:-1], np.int32)
    info = np.zeros(a.shape[:-2], np.int32)
    for idx in np.ndindex(*a.shape[:-2]):
        if a[idx].size:
            ld, ip, inf = _lapack("sytrf", a.dtype)(a[idx], lower=1)
            LD[idx], piv[idx], info[idx] = np.tril(ld), ip, inf
            if check and inf:
                raise RuntimeError(f"torch.linalg.ldl_factor: The factorization could not be completed because "
                                   f"the input is not invertible (the leading minor of order {inf} is zero).")
    return result(LD, A.dtype), result(piv, _int32), result(info, _int32)


@op("ldl_factor_ex", namespace=_NS, method=False, out=True)
def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False) -> tuple:
    return structured("linalg_ldl_factor_ex", ("LD", "pivots", "info"), _ldl(A, hermitian, check_errors))


@op("ldl_factor", namespace=_NS, method=False, out=True)
def ldl_factor(A: Tensor, *, hermitian: bool = False) -> tuple:
    LD, piv, _ = _ldl(A, hermitian, True)
    return structured("linalg_ldl_factor", ("LD", "pivots"), (LD, piv))


@op("ldl_solve", namespace=_NS, method=False, out=True)
def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    ld, piv, b = LD._data, pivots._data, B._data
    batch = np.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    ld_b = np.broadcast_to(ld, batch + ld.shape[-2:])
    piv_b = np.broadcast_to(piv, batch + piv.shape[-1:])
    b_b = np.broadcast_to(b, batch + b.shape[-2:])
    X = np.zeros(batch + b.shape[-2:], b.dtype)
    for idx in np.ndindex(*batch):
        if b_b[idx].size and ld_b[idx].size:
            X[idx] = _lapack("sytrs", ld.dtype)(ld_b[idx], piv_b[idx], b_b[idx], lower=1)[0]
    return result(X, B.dtype)


def _ormqr_composite(A: Tensor, tau: Tensor, C: Tensor, left: bool, transpose: bool) -> Tensor:
    Q = _householder_composite(A, tau, A.shape[-2])
    Q = _mT(Q) if transpose else Q
    return matmul(Q, C) if left else matmul(C, Q)


def _ormqr_grad(node: Any, g: Tensor, A: Tensor, tau: Tensor, C: Tensor) -> tuple:

    create = _grad_state.grad_enabled
    with enable_grad():
        leaves = [t if create else t.detach().requires_grad_(True) for t in (A, tau, C)]
        out = _ormqr_composite(*leaves, node.left, node.transpose)
        return autograd_grad([out], leaves, [g], create_graph=create, allow_unused=True)


OrmqrBackward0 = node_class("OrmqrBackward0", _ormqr_grad, module=__name__)


@op("ormqr", out=True)
def ormqr(input: Tensor, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False) -> Tensor:

    with no_grad():
        out = _ormqr_composite(input.detach(), input2.detach(), input3.detach(), left, transpose)
    out = result(out._data.copy(), input3.dtype)
    return record(out, OrmqrBackward0, (input, input2, input3), (input, input2, input3), left=left,
                  transpose=transpose)
