"""Factorizations: qr, lu (and lu_solve, lu_unpack), householder_product, geqrf, ldl, ormqr.

Forwards run numpy's LAPACK (scipy.linalg where numpy lacks a routine, imported inside the op); each output
carries PyTorch's node (LinalgDetBackward0, LinalgInvExBackward0, ...). Backward formulas are PyTorch's
(FunctionsManual.cpp) written with Tensor ops, so create_graph differentiates through them; triangular and
diagonal parts are taken with constant masks (a product, itself differentiable).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import dtypes
from ..backward import grad as autograd_grad
from ..grad_mode import enable_grad, no_grad
from ..grad_mode import state as _grad_state
from ..registry import op
from ..tensor import Tensor
from ._core import result
from .formula_node import OUTPUT, node_class, record, structured
from .joining import cat
from .linalg import matmul
from .linalg_common import _check_float, _check_matrix, _check_square, _const, _eye, _mT, _square_float, _tril, _triu
from .linalg_solves import _solve_data, solve_triangular

_NS = "torch.linalg"
_int32 = dtypes.int32



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


def _lu_factor_grad(node: Any, grads: list, P: Tensor, LU: Tensor) -> tuple:
    g = grads[0]
    if g is None:
        return (None,)
    m, n = LU.shape[-2], LU.shape[-1]
    k = min(m, n)
    # L and U unpacked from the saved output (PyTorch's lu_unpack), so that under create_graph the
    # gradient depends on A through them
    L = _tril(LU.narrow(-1, 0, k), -1) + _const(np.eye(m, k), LU)
    U = _triu(LU.narrow(-2, 0, k))
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
    P, _, _, LU, piv = _lu_data(A._data)
    outs = (result(LU, A.dtype), result(piv, _int32), result(np.zeros(A._data.shape[:-2], np.int32), _int32))
    record(outs, LinalgLuFactorExBackward0, (A,), (result(P, A.dtype), OUTPUT), pivot=pivot)
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


@op("lu_solve", out=True)
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


_LU_DEPRECATED = (
    "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be removed in "
    "a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be replaced with\n"
    "LU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\n"
    "LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\n"
    "LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots) (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/BatchLinearAlgebra.cpp:2073.)"
)
_lu_warned = [False]


def _lu_with_info(A: Tensor, pivot: bool, get_infos: bool) -> tuple:
    if not _lu_warned[0]:  # PyTorch's TORCH_WARN_ONCE: once a process
        _lu_warned[0] = True
        warnings.warn(_LU_DEPRECATED, UserWarning, stacklevel=4)
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    return (LU, piv, info) if get_infos else (LU, piv)


def _lu_impl(A: Tensor, pivot: bool = True, get_infos: bool = False, out: Any = None) -> tuple:
    factors = _lu_with_info(A, pivot, get_infos)
    if out is None:
        return factors
    if len(out) - int(bool(get_infos)) != 2:
        raise TypeError(f"expected tuple of {2 + int(bool(get_infos))} elements but got {len(out)}")
    if not isinstance(out, (tuple, list)):
        raise TypeError(f"argument 'out' must be tuple of Tensors, not {type(out).__name__}")
    for target, value in zip(out, factors):
        target.resize_as_(value).copy_(value)
    return out


def _lu_no_infos(A: Tensor, pivot: bool = True, get_infos: bool = False, out: Any = None) -> tuple:
    return _lu_impl(A, pivot, get_infos, out)


def _lu_with_infos(A: Tensor, pivot: bool = True, get_infos: bool = False, out: Any = None) -> tuple:
    return _lu_impl(A, pivot, get_infos, out)


def _torch_lu(*args: Any, **kwargs: Any) -> tuple:
    """torch.lu: PyTorch's Python function dispatching on get_infos (the third argument) to two functions."""
    get_infos = kwargs["get_infos"] if "get_infos" in kwargs else (len(args) > 2 and args[2])
    return (_lu_with_infos if get_infos else _lu_no_infos)(*args, **kwargs)


@op("lu", function=_torch_lu)
def lu(self: Tensor, pivot: bool = True, get_infos: bool = False) -> tuple:
    return _lu_with_info(self, pivot, get_infos)


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
def householder_product(input: Tensor, tau: Tensor) -> Tensor:
    _check_matrix(input, "torch.linalg.householder_product")
    m, n = input.shape[-2], input.shape[-1]
    if m < n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if tau.shape[-1] > n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")

    with no_grad():
        Q = _householder_composite(input.detach(), tau.detach())
    out = result(Q._data.copy(), input.dtype)
    return record(out, LinalgHouseholderProductBackward0, (input, tau), (input, tau))


def _lapack(name: str, dtype: np.dtype) -> Any:
    from scipy.linalg import lapack  # startup: scipy is imported when first needed

    return getattr(lapack, ("s" if dtype == np.float32 else "d") + name)


@op("geqrf", out=True)
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
def ldl_factor_ex(input: Tensor, *, hermitian: bool = False, check_errors: bool = False) -> tuple:
    return structured("linalg_ldl_factor_ex", ("LD", "pivots", "info"), _ldl(input, hermitian, check_errors))


@op("ldl_factor", namespace=_NS, method=False, out=True)
def ldl_factor(input: Tensor, *, hermitian: bool = False) -> tuple:
    LD, piv, _ = _ldl(input, hermitian, True)
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
