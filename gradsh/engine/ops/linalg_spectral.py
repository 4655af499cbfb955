"""Spectral decompositions: eigh, eigvalsh, svd, svdvals, eig, eigvals.

Forwards run numpy's LAPACK (scipy.linalg where numpy lacks a routine, imported inside the op); each output
carries PyTorch's node (LinalgDetBackward0, LinalgInvExBackward0, ...). Backward formulas are PyTorch's
(FunctionsManual.cpp) written with Tensor ops, so create_graph differentiates through them; triangular and
diagonal parts are taken with constant masks (a product, itself differentiable).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import op
from ..tensor import Tensor
from ._core import result, save_output
from .complex_ops import conj, real
from .formula_node import OUTPUT, node_class, record, structured
from .linalg import matmul
from .linalg_common import _check_float, _check_matrix, _check_square, _const, _diag_embed, _eye, _mT, _square_float
from .linalg_solves import linalg_solve

_NS = "torch.linalg"



# ----- eigh, eigvalsh, svd, svdvals ------------------------------------------------------------------------

def _eigh_grad(node: Any, grads: list, L: Tensor, V: Tensor) -> tuple:
    gL, gV = grads if isinstance(grads, list) else (grads, None)
    if gV is None:
        if gL is None:
            return (None,)
        return (matmul(V * gL.unsqueeze(-2), _mH(V)),)
    VhgV = matmul(_mH(V), gV)
    if VhgV.dtype.is_complex and not np.allclose(np.imag(np.diagonal(VhgV._data, 0, -2, -1)), 0, rtol=1e-2,
                                                 atol=1e-2):
        raise RuntimeError(_EIGH_PHASE)
    VhgV = (VhgV - _mH(VhgV)) * 0.5
    n = L.shape[-1]
    E = L.unsqueeze(-2) - L.unsqueeze(-1)
    E = E + _eye(n, n, E)
    ret = VhgV / E * _const(1 - np.eye(n), VhgV)
    if gL is not None:
        ret = ret + _diag_embed(gL)
    return (matmul(matmul(V, ret), _mH(V)),)


_EIGH_PHASE = ("linalg_eigh_backward: The eigenvectors in the complex case are specified up to multiplication by "
               "e^{i phi}. The specified loss function depends on this quantity, so it is ill-defined.")
LinalgEighBackward0 = node_class("LinalgEighBackward0", _eigh_grad, n_outputs=2, module=__name__)


def _eigh(A: Tensor, UPLO: str, vectors: bool, name: str) -> tuple:
    _square_float(A, name)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, V = np.linalg.eigh(A._data, UPLO=UPLO)
    L_t, V_t = result(w, A.dtype.to_real() if A.dtype.is_complex else A.dtype), result(V, A.dtype)  # real eigenvalues
    record((L_t, V_t), LinalgEighBackward0, (A,), (OUTPUT, V_t))
    return L_t, V_t


@op("eigh", namespace=_NS, method=False, out=True)
def eigh(input: Tensor, UPLO: str = "L") -> tuple:
    return structured("linalg_eigh", ("eigenvalues", "eigenvectors"), _eigh(input, UPLO, True, "linalg.eigh"))


@op("eigvalsh", namespace=_NS, method=False, out=True)
def eigvalsh(input: Tensor, UPLO: str = "L") -> Tensor:
    return _eigh(input, UPLO, False, "linalg.eigvalsh")[0]


_SVD_PHASE = ("svd_backward: The singular vectors in the complex case are specified up to multiplication by e^{i phi}. "
              "The specified loss function depends on this phase term, making it ill-defined.")


def _mH(t: Tensor) -> Tensor:
    return conj(_mT(t)) if t.dtype.is_complex else _mT(t)  # adjoint(): transpose, then conj


def _svd_grad(node: Any, grads: list, U: Tensor, S: Tensor, Vh: Tensor) -> tuple:
    """PyTorch's svd_backward (full_matrices=False), real and complex, in its order of operations."""
    gU, gS, gVh = grads
    if S.shape[-1] == 0:  # an empty matrix: a zero gradient of A's shape
        return (matmul(U.narrow(-1, 0, 0), Vh.narrow(-2, 0, 0)),)
    if gU is None and gVh is None:  # svdvals: U diag(gS) Vh
        if gS is None:
            return (None,)
        m, n = U.shape[-2], Vh.shape[-1]
        return (matmul(U, gS.unsqueeze(-1) * Vh) if m >= n else matmul(U * gS.unsqueeze(-2), Vh),)
    m, n = U.shape[-2], Vh.shape[-1]
    is_complex = U.dtype.is_complex
    UhgU = VhgV = None
    if gU is not None:
        UhgU = matmul(_mH(U), gU)
        UhgU = UhgU - _mH(UhgU)
    if gVh is not None:
        VhgV = matmul(Vh, _mH(gVh))
        VhgV = VhgV - _mH(VhgV)
    if is_complex:  # the loss must not depend on the phase of the singular vectors
        im_u = np.imag(np.diagonal(UhgU._data, 0, -2, -1)) if UhgU is not None else np.zeros(S.shape)
        im_v = np.imag(np.diagonal(VhgV._data, 0, -2, -1)) if VhgV is not None else np.zeros(S.shape)
        if not np.allclose(im_u, -im_v, rtol=1e-2, atol=1e-2):
            raise RuntimeError(_SVD_PHASE)
    S2 = S * S
    k = S.shape[-1]
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)
    E = E + _eye(k, k, E)
    if UhgU is not None and VhgV is not None:
        ret = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
    elif UhgU is not None:
        ret = (UhgU / E) * S.unsqueeze(-2)
    else:
        ret = S.unsqueeze(-1) * (VhgV / E)
    if gS is not None:
        ret = ret + _diag_embed(gS)
    if is_complex and UhgU is not None and VhgV is not None:
        ret = ret + _diag_embed(UhgU.diagonal(0, -2, -1) / (2.0 * S))
    if m > n and gU is not None:
        gA = matmul(U, ret)
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - matmul(U, matmul(_mH(U), gUSinv))
        return (matmul(gA, Vh),)
    if m < n and gVh is not None:
        gA = matmul(ret, Vh)
        SinvgVh = gVh / S.unsqueeze(-1)
        gA = gA + SinvgVh - matmul(matmul(SinvgVh, _mH(Vh)), Vh)
        return (matmul(U, gA),)
    return (matmul(U, matmul(ret, Vh)) if m >= n else matmul(matmul(U, ret), Vh),)


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
    outs = (result(U, A.dtype), result(S, A.dtype.to_real() if A.dtype.is_complex else A.dtype), result(Vh, A.dtype))
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
    return structured("svd", ("U", "S", "V"), (U, S, _mH(Vh)))  # V = Vh.mH(): ConjBackward0 on a complex one


# ----- eig, eigvals: complex results, also for a real matrix ----------------------------------------------------

_EIG_PHASE = ("linalg_eig_backward: The eigenvectors in the complex case are specified up to multiplication by "
              "e^{i phi}. The specified loss function depends on this quantity, so it is ill-defined.")


def _eig_grad(node: Any, grads: Any, L: Tensor, V: Tensor) -> tuple:
    """PyTorch's linalg_eig_backward: V^-H (diag(gL) + (V^H gV, projected) / conj(L_j - L_i)) V^H."""
    gL, gV = grads if isinstance(grads, list) else (grads, None)
    if gL is None and gV is None:
        return (None,)
    Vh = _mT(conj(V))
    n = L.shape[-1]
    if gV is None:
        inner = _diag_embed(gL)
    else:
        VhgV = matmul(Vh, gV)
        diag = VhgV.diagonal(0, -2, -1)
        imag_diag = diag._data.imag
        if not np.allclose(imag_diag, 0, rtol=1e-2, atol=1e-2):
            raise RuntimeError(_EIG_PHASE)
        VhgV = VhgV - matmul(Vh, V * real(diag).unsqueeze(-2))
        Lc = conj(L)
        E = Lc.unsqueeze(-2) - Lc.unsqueeze(-1)
        E = E + _eye(n, n, E)
        inner = VhgV / E * _const(1 - np.eye(n), VhgV)
        if gL is not None:
            inner = inner + _diag_embed(gL)
    return (linalg_solve(Vh, matmul(inner, Vh)),)


LinalgEigBackward0 = node_class("LinalgEigBackward0", _eig_grad, n_outputs=2, module=__name__)


def _eig(A: Tensor, name: str) -> tuple:
    _check_square(A, name)
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(f"Unknown Complex ScalarType for {A.dtype.scalar_name}")
    cdt = A.dtype if A.dtype.is_complex else A.dtype.to_complex()
    a = A._data
    if a.size:
        w, V = np.linalg.eig(a)  # LAPACK geev, as PyTorch: unit eigenvectors, the largest component real
    else:
        w, V = np.zeros(a.shape[:-1], cdt.np), np.zeros(a.shape, cdt.np)
    L_t, V_t = result(w.astype(cdt.np), cdt), result(V.astype(cdt.np), cdt)
    record((L_t, V_t), LinalgEigBackward0, (A,), (OUTPUT, V_t))
    return L_t, V_t


@op("eig", namespace=_NS, method=False, out=True)
def eig(input: Tensor) -> tuple:
    return structured("linalg_eig", ("eigenvalues", "eigenvectors"), _eig(input, "linalg.eig"))


@op("eigvals", namespace=_NS, method=False, out=True)
def eigvals(input: Tensor) -> Tensor:
    return _eig(input, "linalg.eigvals")[0]
