"""Matrix functions: matrix_exp, matrix_power.

Forwards run numpy's LAPACK (scipy.linalg where numpy lacks a routine, imported inside the op); each output
carries PyTorch's node (LinalgDetBackward0, LinalgInvExBackward0, ...). Backward formulas are PyTorch's
(FunctionsManual.cpp) written with Tensor ops, so create_graph differentiates through them; triangular and
diagonal parts are taken with constant masks (a product, itself differentiable).
"""

from __future__ import annotations

from typing import Any

from ..grad_mode import no_grad
from ..registry import op
from ..tensor import Tensor
from ._core import result
from .formula_node import node_class, record
from .joining import cat
from .linalg import matmul
from .linalg_common import _check_square, _eye, _mT, _square_float
from .linalg_solves import inv
from .matrix_exp_kernel import matrix_exp as mexp

_NS = "torch.linalg"



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


LinalgMatrixExpBackward0 = node_class("LinalgMatrixExpBackward0", _matrix_exp_grad, module=__name__, holomorphic=True)


@op("matrix_exp", namespace=_NS, method=False)
def linalg_matrix_exp(input: Tensor) -> Tensor:
    return matrix_exp(input)


@op("matrix_exp")
def matrix_exp(input: Tensor) -> Tensor:
    _square_float(input, "linalg.matrix_exp")
    a = input._data
    data = mexp(a) if a.shape[-1] else a.copy()
    return record(result(data, input.dtype), LinalgMatrixExpBackward0, (input,), (input,))


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
def linalg_matrix_power(input: Tensor, n: int) -> Tensor:
    _check_square(input, "linalg.matrix_power")
    return _matrix_power_number(input, n)


@op("matrix_power", out=True)
def matrix_power(input: Tensor, n: int) -> Tensor:
    return linalg_matrix_power(input, n)
