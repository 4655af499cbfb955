"""torch.svd_lowrank and torch.pca_lowrank: Halko, Martinsson and Tropp's randomized algorithm, as PyTorch runs it.

The random start is torch.randn of the shape PyTorch draws, from gradsh's generator (bit-exact with PyTorch's),
then the same products, QR factorizations and small SVD, each recorded as its own op; so after the same
manual_seed the factors are PyTorch's, and gradients flow through the ops as in PyTorch's Python function.
"""

from __future__ import annotations

from .. import dtypes
from ..registry import op
from ..tensor import Tensor
from .linalg import matmul
from .linalg_factor import linalg_qr
from .linalg_spectral import linalg_svd
from .random_ops import randn
from .reduction import mean


def _floating_dtype(A: Tensor) -> dtypes.dtype:
    """PyTorch's _linalg_utils.get_floating_dtype: a floating dtype kept, anything else float32."""
    if A.dtype in (dtypes.float16, dtypes.float32, dtypes.float64):
        return A.dtype
    return dtypes.float32


def _approximate_basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:
    """Q with orthonormal columns such that Q Q^H (A - M) approximates A - M (Halko et al., Algorithm 4.4)."""
    dt = A.dtype if A.dtype.is_complex else _floating_dtype(A)
    R = randn(A.shape[-1], q, dtype=dt)

    def project(X: Tensor, B: Tensor | None, by: Tensor) -> Tensor:
        return X if B is None else X - matmul(B, by)

    Q = linalg_qr(project(matmul(A, R), M, R)).Q
    for _ in range(niter):
        Q = linalg_qr(project(matmul(A.mH, Q), None if M is None else M.mH, Q)).Q
        Q = linalg_qr(project(matmul(A, Q), M, Q)).Q
    return Q


def _svd_lowrank(A: Tensor, q: int | None, niter: int | None, M: Tensor | None) -> tuple:
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(tuple(A.shape))
    wide = m < n
    if wide:  # the algorithm assumes a tall matrix
        A = A.mH
        M = None if M is None else M.mH
    Q = _approximate_basis(A, q, niter, M)
    B = matmul(Q.mH, A)
    if M is not None:
        B = B - matmul(Q.mH, M)
    U, S, Vh = linalg_svd(B, full_matrices=False)
    V = Vh.mH
    U = matmul(Q, U)
    return (V, S, U) if wide else (U, S, V)


@op("svd_lowrank", method=False)
def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None) -> tuple:
    return _svd_lowrank(A, q, niter, M)


@op("pca_lowrank", method=False)
def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple:
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return _svd_lowrank(A, q, niter, None)
    return _svd_lowrank(A - mean(A, dim=(-2,), keepdim=True), q, niter, None)


