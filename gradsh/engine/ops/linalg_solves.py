"""Determinants, inverses and solves: det, slogdet, logdet, inv, solve, cholesky, triangular solves,
cholesky_solve/inverse, pinv, pinverse, tensorinv, tensorsolve, lstsq.

Forwards run numpy's LAPACK (scipy.linalg where numpy lacks a routine, imported inside the op); each output
carries PyTorch's node (LinalgDetBackward0, LinalgInvExBackward0, ...). Backward formulas are PyTorch's
(FunctionsManual.cpp) written with Tensor ops, so create_graph differentiates through them; triangular and
diagonal parts are taken with constant masks (a product, itself differentiable).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..registry import op
from ..tensor import Tensor
from ._core import result
from .elementwise import where
from .formula_node import OUTPUT, node_class, record, structured
from .linalg import matmul
from .linalg_common import _check_float, _check_matrix, _const, _mT, _square_float, _tril, _triu

_NS = "torch.linalg"
_int32 = dtypes.int32



# ----- det, slogdet, logdet ----------------------------------------------------------------------------

def _det_grad(node: Any, g: Tensor, A: Tensor, det: Tensor) -> tuple:
    if A.shape[-1] <= 1:  # det's derivative is 1 (0 when empty): PyTorch's gradient is a constant in A here
        return (g.unsqueeze(-1).unsqueeze(-1).clone() if A.shape[-1] else _const(np.zeros(A.shape), g),)
    return ((g * det).unsqueeze(-1).unsqueeze(-1) * _mT(inv(A)),)


LinalgDetBackward0 = node_class("LinalgDetBackward0", _det_grad, module=__name__, holomorphic=True)


@op("det", namespace=_NS, method=False, out=True)
def linalg_det(A: Tensor) -> Tensor:
    _square_float(A, "linalg.det")
    return record(result(np.linalg.det(A._data), A.dtype), LinalgDetBackward0, (A,), (A, OUTPUT))


@op("det")
def det(input: Tensor) -> Tensor:
    return linalg_det(input)


def _slogdet_grad(node: Any, grads: list, A: Tensor, sign: Tensor) -> tuple:
    g_sign, g = grads
    if A.dtype.is_complex and g_sign is not None:
        # the sign's gradient moves the phase: d logabsdet + i d arg = tr(A^-1 dA)
        phase = (g_sign * sign.conj()).imag * 1j
        g = phase if g is None else g + phase
    if g is None or A.shape[-1] == 0:
        return (A * 0,)
    A_inv_T = _mT(inv(A))
    return (g.unsqueeze(-1).unsqueeze(-1) * (A_inv_T.conj() if A.dtype.is_complex else A_inv_T),)


LinalgSlogdetBackward0 = node_class("LinalgSlogdetBackward0", _slogdet_grad, n_outputs=2, module=__name__)


@op("slogdet", namespace=_NS, method=False, out=True)
def linalg_slogdet(A: Tensor) -> tuple:
    _square_float(A, "linalg.slogdet")
    sign, logabs = np.linalg.slogdet(A._data)
    s, la = result(sign, A.dtype), result(logabs, A.dtype.to_real() if A.dtype.is_complex else A.dtype)
    record((s, la), LinalgSlogdetBackward0, (A,), (A, OUTPUT))
    s._grad_fn = s._grad_fn if s._rg else None
    return structured("slogdet", ("sign", "logabsdet"), (s, la))


@op("slogdet")
def slogdet(input: Tensor) -> tuple:
    return linalg_slogdet(input)


@op("logdet")
def logdet(input: Tensor) -> Tensor:
    _square_float(input, "linalg.slogdet")
    sign, logabs = linalg_slogdet(input)
    if input.dtype.is_complex:  # PyTorch: log(sign) + logabsdet
        return sign.log() + logabs
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


LinalgInvExBackward0 = node_class("LinalgInvExBackward0", _inv_grad, n_outputs=2, module=__name__, holomorphic=True)


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


LinalgSolveExBackward0 = node_class("LinalgSolveExBackward0", _solve_grad, n_outputs=2, module=__name__, holomorphic=True)


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
    if node.upper:  # conjugate transposes for a complex factor, as PyTorch's cholesky_backward
        L, gL = _mH(L), _mH(gL)
    n = L.shape[-1]
    if n == 0:  # empty: PyTorch's formula still runs on L, so under create_graph the result requires grad with L
        return (gL * 0 + L * 0,)
    Linv = inv(L)
    phi = matmul(_mH(L), gL)
    if L.dtype.is_complex:
        # PyTorch's cholesky_backward: 0.5 (P + tril(P, -1)^H) for P = tril(L^H gL), then L^-H (.) L^-1 without
        # a final symmetrization (its diagonal keeps half of P's, imaginary part included)
        lower = phi * _const(np.tril(np.ones((n, n))), phi)
        phi = (lower + _mH(lower * _const(np.tril(np.ones((n, n)), -1), lower))) * 0.5
        return (matmul(matmul(_mH(Linv), phi), Linv),)
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
    if upper:  # U = L^H
        L = np.swapaxes(L, -1, -2).conj() if np.iscomplexobj(L) else np.swapaxes(L, -1, -2)
    return L, info


def _cholesky_order(M: np.ndarray) -> int:
    for k in range(1, M.shape[-1] + 1):
        try:
            np.linalg.cholesky(M[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


@op("cholesky_ex", namespace=_NS, method=False, out=True)
def cholesky_ex(input: Tensor, *, upper: bool = False, check_errors: bool = False) -> tuple:
    _square_float(input, "linalg.cholesky")
    L, info = _cholesky_data(input._data, upper, check_errors, "linalg.cholesky")
    out, info_t = result(L, input.dtype), result(info, _int32)
    record((out, info_t), LinalgCholeskyExBackward0, (input,), (OUTPUT,), upper=upper)
    return structured("linalg_cholesky_ex", ("L", "info"), (out, info_t))


@op("cholesky", namespace=_NS, method=False, out=True)
def linalg_cholesky(input: Tensor, *, upper: bool = False) -> Tensor:
    _square_float(input, "linalg.cholesky")
    L, info = _cholesky_data(input._data, upper, True, "linalg.cholesky")
    out = result(L, input.dtype)
    record((out, result(info, _int32)), LinalgCholeskyExBackward0, (input,), (OUTPUT,), upper=upper)
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


def _mH(t: Tensor) -> Tensor:
    """The conjugate transpose (the transpose of a real tensor)."""
    return _mT(t).conj() if t.dtype.is_complex else _mT(t)


def _solve_triangular_grad(node: Any, g: Tensor, A: Tensor, X: Tensor) -> tuple:
    upper, left, unit = node.upper, node.left, node.unitriangular
    if left:
        gB = solve_triangular(_mH(A), g, upper=not upper, left=True, unitriangular=unit)
        gA = -matmul(gB, _mH(X))
    else:
        gB = solve_triangular(_mH(A), g, upper=not upper, left=False, unitriangular=unit)
        gA = -matmul(_mH(X), gB)
    gA = _triu(gA, 1 if unit else 0) if upper else _tril(gA, -1 if unit else 0)
    return gA, gB


LinalgSolveTriangularBackward0 = node_class("LinalgSolveTriangularBackward0", _solve_triangular_grad,
                                            module=__name__)


def _solve_tri_data(A: np.ndarray, B: np.ndarray, upper: bool, left: bool, unit: bool,
                    trans: bool = False) -> np.ndarray:
    """op(T) X = B (left) or X op(T) = B with BLAS trsm, the routine PyTorch calls (op: transpose or not)."""
    T = _triangular(A, upper, unit)
    batch = np.broadcast_shapes(T.shape[:-2], B.shape[:-2])
    Tb, Bb = np.broadcast_to(T, batch + T.shape[-2:]), np.broadcast_to(B, batch + B.shape[-2:])
    dt = np.result_type(Tb, Bb)
    out = np.empty(Bb.shape, dt)
    if T.shape[-1] == 0 or Bb.size == 0:
        return np.zeros(Bb.shape, dt)
    from scipy.linalg import blas  # startup: scipy is imported when first needed

    trsm = blas.get_blas_funcs("trsm", (Tb.astype(dt, copy=False),))
    for idx in np.ndindex(*batch):
        out[idx] = trsm(1.0, Tb[idx].astype(dt, copy=False), Bb[idx].astype(dt, copy=False), side=0 if left else 1,
                        lower=0 if upper else 1, trans_a=1 if trans else 0, diag=1 if unit else 0)
    return out


@op("solve_triangular", namespace=_NS, method=False, out=True)
def solve_triangular(input: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    _check_float(input, "linalg.solve_triangular")
    data = _solve_tri_data(input._data, B._data, upper, left, unitriangular)
    out = result(data, input.dtype)
    return record(out, LinalgSolveTriangularBackward0, (input, B), (input, OUTPUT), upper=upper, left=left,
                  unitriangular=unitriangular)


def _triangular_solve_grad(node: Any, grads: list, A: Tensor, X: Tensor) -> tuple:
    g, gM = grads
    if g is None:
        return None, gM
    upper, trans, unit = node.upper, node.transpose, node.unitriangular
    # PyTorch's triangular_solve_backward: the same trsm with the other transpose flag
    gB = triangular_solve(g, A.conj() if A.dtype.is_complex else A, upper, not trans, unit)[0]
    gA = -matmul(X.conj() if X.dtype.is_complex else X, _mT(gB)) if trans else -matmul(gB, _mH(X))
    gA = _triu(gA, 1 if unit else 0) if upper else _tril(gA, -1 if unit else 0)
    return gB, gA if gM is None else gA + gM  # the cloned coefficient's gradient goes to A as it is


TriangularSolveBackward0 = node_class("TriangularSolveBackward0", _triangular_solve_grad, n_outputs=2,
                                      module=__name__)


@op("triangular_solve", out=True)
def triangular_solve(input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> tuple:
    data = _solve_tri_data(A._data, input._data, upper, True, unitriangular, trans=transpose)
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
        rtol = np.finfo(A.dtype).eps * max(m, n) if np.all(atol == 0) else 0.0
    rtol = np.asarray(_tolerance(rtol))
    smax = s.max(axis=-1, keepdims=True)
    cutoff = np.maximum(atol[..., None] if np.ndim(atol) else atol, (rtol[..., None] if rtol.ndim else rtol) * smax)
    keep = s > cutoff
    with np.errstate(all="ignore"):
        if hermitian:
            inv_w = np.where(keep, 1 / np.where(keep, w, 1), 0)
            return (V * inv_w[..., None, :]) @ np.swapaxes(V, -1, -2)
        inv_s = np.where(keep, 1 / np.where(keep, s, 1), 0)
    return np.swapaxes(Vh, -1, -2) @ (inv_s[..., :, None] * np.swapaxes(U, -1, -2))


@op("pinv", namespace=_NS, method=False, out=True)
def pinv(input: Tensor, rcond: Any = None, hermitian: bool = False, *, atol: Any = None, rtol: Any = None) -> Tensor:
    if rcond is not None:  # the older overload: rcond is the relative tolerance
        rtol = rcond
    _check_matrix(input, "linalg.pinv")
    _check_float(input, "linalg.pinv")
    data = _pinv_data(input._data, atol, rtol, hermitian)
    return record(result(data.astype(input.dtype.np), input.dtype), LinalgPinvBackward0, (input,), (input, OUTPUT))


@op("pinverse")
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    return pinv(input, rtol=rcond)


def _reshape_alias_grad(node: Any, g: Tensor) -> tuple:
    return (g.reshape(tuple(node.shape)),)


ReshapeAliasBackward0 = node_class("ReshapeAliasBackward0", _reshape_alias_grad, module=__name__)


@op("tensorinv", namespace=_NS, method=False, out=True)
def tensorinv(input: Tensor, ind: int = 2) -> Tensor:
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    front, back = input.shape[:ind], input.shape[ind:]
    rows, cols = int(np.prod(front)), int(np.prod(back))
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    Ainv = inv(input.reshape(rows, cols))
    out = Tensor._wrap(Ainv._data.reshape(tuple(back) + tuple(front)), Ainv.dtype)
    return record(out, ReshapeAliasBackward0, (Ainv,), shape=(rows, cols))


@op("tensorsolve", namespace=_NS, method=False, out=True)
def tensorsolve(input: Tensor, other: Tensor, dims: Any = None) -> Tensor:
    if dims is not None:
        nd = input.dim()
        dims = [d % nd for d in dims]
        input = input.permute(tuple([d for d in range(nd) if d not in dims] + dims))
    res_shape = input.shape[other.dim():]
    n = int(np.prod(res_shape))
    X = linalg_solve(input.reshape(-1, n), other.reshape(-1))
    return X.view(tuple(res_shape))


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
        gA = _pinv_grad(node, matmul(g2, _mH(b2)), A, pinvA)[0] if node.needs(0) else None
        gB = matmul(_mH(pinvA), g2) if node.needs(1) else None
    if gres is not None and gres.numel():
        # residuals = |A X - B|^2 per column; X is optimal, so only the explicit A and B terms remain
        R = matmul(A, x2) - b2
        w = gres.unsqueeze(-1).unsqueeze(-2) if vector else gres.unsqueeze(-2)
        ra = matmul(R * w, _mH(x2)) * 2
        rb = R * w * -2
        gA = ra if gA is None else gA + ra
        gB = rb if gB is None else gB + rb
    if gB is not None and vector:
        gB = gB.squeeze(-1)
    return gA, gB


LinalgLstsqBackward0 = node_class("LinalgLstsqBackward0", _lstsq_grad, n_outputs=4, module=__name__)


@op("lstsq", namespace=_NS, method=False, out=True)
def lstsq(input: Tensor, b: Tensor, rcond: float | None = None, *, driver: str | None = None) -> tuple:
    A, B = input, b  # PyTorch's parameter names; the body keeps the maths' A and B
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
    sv = np.zeros(batch + (min(m, n),), np.abs(np.zeros((), a.dtype)).dtype)
    for idx in np.ndindex(*batch):
        if a_b[idx].size and b_b[idx].size:
            X[idx], _, rank[idx], sv[idx] = np.linalg.lstsq(a_b[idx], b_b[idx], rcond=rcond)
    real = A.dtype.to_real() if A.dtype.is_complex else A.dtype
    residuals = np.zeros((0,), real.np)
    if driver != "gelsy" and m > n and bool(np.all(rank == n)) and driver != "gels" or (driver == "gels" and m > n):
        residuals = (np.abs(np.matmul(a_b, X) - b_b) ** 2).sum(axis=-2)  # real for a complex input
        if vector:
            residuals = residuals[..., 0]
    sol = result(X[..., 0] if vector else X, A.dtype)
    outs = (sol, result(residuals, real),
            result(rank if driver != "gels" else np.zeros((0,), np.int64), dtypes.int64),
            result(sv if driver in ("gelsd", "gelss") else np.zeros((0,), real.np), real))
    record(outs, LinalgLstsqBackward0, (A, B), (A, B, OUTPUT), vector=vector)
    outs[3]._grad_fn, outs[3]._rg = None, False  # PyTorch's singular values come without a gradient
    return structured("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"), outs)
