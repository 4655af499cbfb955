"""Shared pieces of the linear-algebra ops: differentiable helpers on Tensors and PyTorch's input checks.

Forwards run numpy's LAPACK (scipy.linalg where numpy lacks a routine, imported inside the op); each output
carries PyTorch's node (LinalgDetBackward0, LinalgInvExBackward0, ...). Backward formulas are PyTorch's
(FunctionsManual.cpp) written with Tensor ops, so create_graph differentiates through them; triangular and
diagonal parts are taken with constant masks (a product, itself differentiable).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor

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
