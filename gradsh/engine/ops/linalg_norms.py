"""Norms and rank: vector_norm, matrix_norm, linalg.norm, matrix_rank, cond.

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
from .binary_math import nan_to_num
from .linalg_common import _check_float, _check_matrix, _check_square
from .linalg_solves import _tolerance, inv_ex
from .linalg_spectral import svdvals
from .reduction import norm

_NS = "torch.linalg"



# ----- norms ---------------------------------------------------------------------------------------------

@op("vector_norm", namespace=_NS, method=False, out=True)
def vector_norm(input: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:

    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None
    return norm(input, ord, dim, keepdim, dtype)


def _matrix_dims(A: Tensor, dim: Any) -> tuple:
    nd = A._data.ndim
    if nd < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    d0, d1 = (d % nd for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


@op("matrix_norm", namespace=_NS, method=False, out=True)
def matrix_norm(input: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    d0, d1 = _matrix_dims(input, dim)
    _check_float(input, "linalg.matrix_norm")
    if dtype is not None:
        input = input.to(dtype)
    if ord == "fro":
        return vector_norm(input, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2, 2.0, -2.0):
        s = svdvals(input.movedim((d0, d1), (-2, -1)))
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord > 0 else s.amin(-1))
        if keepdim:  # PyTorch puts the two kept dims back with a movedim (PermuteBackward0)
            r = r.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (d0, d1))
        return r
    if ord in (1, -1, math.inf, -math.inf):
        if math.isinf(ord):
            d0, d1 = d1, d0
        if not keepdim and d0 < d1:
            d1 -= 1
        col = vector_norm(input, 1, (d0,), keepdim)
        return col.amax(d1, keepdim) if ord > 0 else col.amin(d1, keepdim)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


@op("norm", namespace=_NS, method=False, out=True)
def linalg_norm(input: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(input, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(input, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is not None:
        if input._data.ndim == 1:
            return vector_norm(input, ord, None, keepdim, dtype=dtype)
        if input._data.ndim == 2:
            return matrix_norm(input, ord, (0, 1), keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {input._data.ndim}D.")
    return vector_norm(input, 2, None, keepdim, dtype=dtype)


@op("matrix_rank", namespace=_NS, method=False, out=True)
def matrix_rank(input: Tensor, tol: Any = None, hermitian: bool = False, *, atol: Any = None,
                rtol: Any = None) -> Tensor:
    if tol is not None:  # the older overload: tol is the absolute tolerance, with no relative one
        atol, rtol = tol, 0.0
    _check_matrix(input, "torch.linalg.matrix_rank")
    _check_float(input, "linalg.matrix_rank")
    a = input._data
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


@op("cond", namespace=_NS, method=False, out=True)
def cond(input: Tensor, p: Any = None) -> Tensor:
    _check_matrix(input, "linalg.cond")
    if p is None or p in (2, -2):
        s = svdvals(input)
        top, bottom = s.narrow(-1, 0, 1), s.narrow(-1, s.shape[-1] - 1, 1)
        return (bottom / top if p == -2 else top / bottom).squeeze(-1)
    _check_square(input, f"linalg.cond(ord={p if isinstance(p, str) else int(p)})")
    inverse, _ = inv_ex(input)

    return nan_to_num(matrix_norm(input, p) * matrix_norm(inverse, p), float("inf"), float("inf"))
