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
from ..registry import op
from ..tensor import Tensor
from ._core import result
from .elementwise import where
from .formula_node import OUTPUT, node_class, record, structured
from .linalg import matmul

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
    from .reduction import _vector_norm_data  # the norm's own kernel (accumulated as PyTorch does)

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
    from scipy.linalg import lu_factor  # imported when first needed

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
            from scipy.linalg import lu_factor  # imported when first needed

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
        from scipy.linalg import solve_triangular as scipy_solve  # imported when first needed

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

