"""Products: trace, vdot, vecdot, addmv, addr, baddbmm, addbmm, cross, dist, kron, tensordot, inner,
multi_dot, chain_matmul, linalg.diagonal, vander.

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
from ..out_arg import with_out
from ..registry import op
from ..tensor import Tensor
from ._core import result
from .formula_node import OUTPUT, node_class, record
from .joining import cat
from .linalg import _unsafe_view, matmul, mm
from .linalg_common import _eye, _mT
from .reduction import _vector_norm_data

_NS = "torch.linalg"



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
    # vdot conjugates its first argument: self gets grad.conj() * other, other gets grad * self
    return (g.conj() if g.dtype.is_complex else g) * b, g * a


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


def _conj(x: Any) -> Any:
    """The conjugate of a complex tensor or number (PyTorch's complex gradients take each factor conjugated)."""
    if isinstance(x, Tensor):
        return x.conj() if x.dtype.is_complex else x
    return x.conjugate() if isinstance(x, complex) else x


def _addmv_grad(node: Any, g: Tensor, mat: Tensor, vec: Tensor) -> tuple:
    beta, alpha = _conj(node.beta), _conj(node.alpha)
    return g * beta, g.unsqueeze(-1) * _conj(vec) * alpha, matmul(_conj(_mT(mat)), g) * alpha


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
    beta, alpha = _conj(node.beta), _conj(node.alpha)
    return g * beta, matmul(g, _conj(v2)) * alpha, matmul(_mT(g), _conj(v1)) * alpha


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
    beta, alpha = _conj(node.beta), _conj(node.alpha)
    b1h, b2h = _conj(_mT(b1)), _conj(_mT(b2))
    if node.summed:  # addbmm: the batch was summed away
        g3 = g.unsqueeze(0)
        return g * beta, matmul(g3, b2h) * alpha, matmul(b1h, g3) * alpha
    return g * beta, matmul(g, b2h) * alpha, matmul(b1h, g) * alpha


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
    return linalg_cross(_conj(b), g, dim=d), linalg_cross(g, _conj(a), dim=d)


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
    """The gradient of a p-norm of all of x (a 0-d norm): PyTorch's norm_backward, in its order of operations
    (sgn is x / |x| for a complex x)."""
    if p == 0:
        return x * 0
    if p == 1:
        return x.sgn() * g
    if p == 2:
        return g * (x / norm).masked_fill(norm == 0, 0)
    if math.isinf(p):
        x_abs = x.abs()
        mask = (x_abs == norm).logical_or(x_abs.isnan())
        return x.sgn() * ((g / mask.sum()) * mask)
    if p < 1:
        return (x.sgn() * x.abs() ** (p - 1)).masked_fill(x == 0, 0) * g * norm ** (1 - p)
    scale = (g / norm ** (p - 1)).masked_fill(norm == 0, 0)
    if p < 2:
        return x.sgn() * x.abs() ** (p - 1) * scale
    return x * x.abs() ** (p - 2) * scale


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
    real = input.dtype.to_real() if input.dtype.is_complex else input.dtype
    return record(result(data, real), DistBackward0, (input, other), (input, other, OUTPUT), p=p)


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


def _tensordot_function(a: Tensor, b: Tensor, dims: Any = 2, out: Tensor | None = None) -> Tensor:
    """torch.tensordot: PyTorch's Python function, whose out= may be given positionally."""
    if out is None:
        return tensordot(a, b, dims)
    return _tensordot_out(a, b, dims, out=out)


@op("tensordot", function=_tensordot_function, method=False)
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


_tensordot_out = with_out("tensordot", tensordot)


@op("inner", out=True)
def inner(input: Tensor, other: Tensor) -> Tensor:
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def _chain_order(mats: list) -> list:
    """The cheapest parenthesization (Cormen's matrix_chain_order, as aten's): split[i][j] for mats i..j."""
    n = len(mats)
    p = [t.shape[0] for t in mats] + [mats[-1].shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for span in range(1, n):
        for i in range(n - span):
            j = i + span
            cost[i][j] = None
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] is None or q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k
    return split


def _chain_product(mats: list) -> Tensor:
    """The product in aten's order: left to right for two, by cost for three, by the chain order beyond."""
    if len(mats) == 2:
        return mm(mats[0], mats[1])
    if len(mats) == 3:
        a, b = mats[0].shape[0], mats[1].shape[0]
        c, d = mats[2].shape[0], mats[2].shape[1]
        if (a * c) * (b + d) > (b * d) * (a + c):
            return mm(mats[0], mm(mats[1], mats[2]))
        return mm(mm(mats[0], mats[1]), mats[2])
    split = _chain_order(mats)

    def product(i: int, j: int) -> Tensor:
        if i == j:
            return mats[i]
        return mm(product(i, split[i][j]), product(split[i][j] + 1, j))

    return product(0, len(mats) - 1)


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
    out = _chain_product(mats)
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
def vander(x: Tensor, *, N: int | None = None) -> Tensor:

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
