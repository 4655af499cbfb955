"""Matrix products: mm, mv, dot, bmm, matmul (which dispatches as PyTorch's does)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import exact_gemm
from ..grad_mode import state
from ..graph import Node, edge
from ..registry import BINARY, REFLECTED, op
from ..tensor import Tensor
from ..unsupported import unsupported
from ._core import attach, plain_backward, promote2, result, save, unpack, wrap
from .bmm_small import small_bmm
from .complex_ops import conj
from .elementwise import fit
from .inplace_forms import in_place, result_matches_target
from .views import UnsafeViewBackward0

_F32 = np.dtype(np.float32)


def _product(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x @ y for two matrices: float32 through MKL's sgemm as PyTorch calls it where the `exact` extra gives its
    bits (exact_gemm.addmm says where), numpy's BLAS otherwise."""
    if x.dtype == _F32:
        exact = exact_gemm.addmm(None, x, y)
        if exact is not None:
            return exact
    return x @ y


def _c(t: Tensor) -> Tensor:
    """The conjugate of a complex factor (PyTorch's complex gradients: grad @ B^H, A^H @ grad); a real one as is."""
    return conj(t) if t.dtype.is_complex else t


def _conj_number(s: Any) -> Any:
    """A complex alpha or beta conjugated (PyTorch's maybe_multiply(grad, alpha.conj()))."""
    return s.conjugate() if isinstance(s, complex) else s


class MmBackward0(Node):
    __slots__ = ("a", "b")
    saved = ("a", "b")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        if plain_backward(g):
            flags = g._data.flags
            if not (flags.c_contiguous or flags.f_contiguous):
                # (sum's broadcast gradient): numpy would copy it for each product; once is enough, same bits
                g = wrap(np.ascontiguousarray(g._data), g.dtype)
            products = _plain_products(g, unpack(self.a, self) if fb is not None else None,
                                       unpack(self.b, self) if fa is not None else None)
            if products is not None:
                return products
        ga = mm(g, _c(unpack(self.b, self)).t()) if fa is not None else None
        gb = mm(_c(unpack(self.a, self)).t(), g) if fb is not None else None
        return ga, gb


def _plain_products(g: Tensor, a: Tensor | None, b: Tensor | None) -> tuple | None:
    """(g @ b^T, a^T @ g) for a plain backward of real matrices of g's dtype: the numpy products that mm(g, b.t())
    and mm(a.t(), g) compute (the same arrays and layouts, so the same bits) without their Tensor views and ops;
    None where the general path must run."""
    dt = g.dtype
    if dt.is_complex or (a is not None and a.dtype is not dt) or (b is not None and b.dtype is not dt):
        return None  # (complex factors are conjugated: the general path)
    gd = g._data
    return (None if b is None else wrap(_product(gd, b._data.T), dt),
            None if a is None else wrap(_product(a._data.T, gd), dt))


def _check_2d(a: Tensor, b: Tensor) -> None:
    if a._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a._data.shape[1] != b._data.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a._data.shape[0]}x{a._data.shape[1]} and "
            f"{b._data.shape[0]}x{b._data.shape[1]})"
        )


def _no_out_dtype(name: str, out_dtype: Any) -> None:
    """The out_dtype overloads exist for CUDA only: on the CPU PyTorch has no kernel for them."""
    if out_dtype is not None:
        raise unsupported(f"torch.{name}(out_dtype=...) (PyTorch has no CPU kernel for it)")


@op("mm", out=True)
def mm(input: Tensor, mat2: Tensor, out_dtype: Any = None) -> Tensor:
    _no_out_dtype("mm", out_dtype)
    _check_2d(input, mat2)
    if input.dtype is not mat2.dtype:  # matrix products do not promote
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {input.dtype.c_name} != {mat2.dtype.c_name}")
    x, y, dt = promote2(input, mat2)
    out = result(_product(x, y), dt)
    if state.recording and (input._rg or mat2._rg):
        node = MmBackward0((edge(input), edge(mat2)))
        # each matrix is needed only for the other's gradient
        node.b = save(mat2) if input._rg else None
        node.a = save(input) if mat2._rg else None
        attach(out, node)
    return out


class MvBackward0(Node):
    __slots__ = ("a", "v")
    saved = ("a", "v")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fv, _) = self.next_functions
        ga = outer(g, _c(unpack(self.v, self))) if fa is not None else None
        gv = mv(_c(unpack(self.a, self)).t(), g) if fv is not None else None
        return ga, gv


@op("mv", out=True)
def mv(input: Tensor, vec: Tensor) -> Tensor:
    if input._data.ndim == 2 and vec._data.ndim == 1 and input._data.shape[1] != vec._data.shape[0]:
        n, m = input._data.shape
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{m}), vec ({vec._data.shape[0]})")
    if input.dtype is not vec.dtype:
        # PyTorch's mv runs addmv on a result of the vector's dtype: (result, mat, vec)
        raise RuntimeError(
            "addmv input tensors must have the same dtype, but got "
            f"{vec.dtype.scalar_name}, {input.dtype.scalar_name}, and {vec.dtype.scalar_name}"
        )
    x, y, dt = promote2(input, vec)
    out = result(x @ y, dt)
    if state.recording and (input._rg or vec._rg):
        node = MvBackward0((edge(input), edge(vec)))
        node.v = save(vec) if input._rg else None
        node.a = save(input) if vec._rg else None
        attach(out, node)
    return out


class DotBackward0(Node):
    __slots__ = ("a", "b")
    saved = ("a", "b")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        ga = g * _c(unpack(self.b, self)) if fa is not None else None
        gb = g * _c(unpack(self.a, self)) if fb is not None else None
        return ga, gb


@op("dot", out=True)
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {tensor._data.ndim}D tensors")
    if input.dtype is not tensor.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {input.dtype.scalar_name} and {tensor.dtype.scalar_name}"
        )
    x, y, dt = promote2(input, tensor)
    out = result(np.dot(x, y), dt)
    if state.recording and (input._rg or tensor._rg):
        node = DotBackward0((edge(input), edge(tensor)))
        node.b = save(tensor) if input._rg else None
        node.a = save(input) if tensor._rg else None
        attach(out, node)
    return out


class BmmBackward0(Node):
    __slots__ = ("a", "b")
    saved = ("a", "b")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        ga = bmm(g, _c(unpack(self.b, self)).transpose(1, 2)) if fa is not None else None
        gb = bmm(_c(unpack(self.a, self)).transpose(1, 2), g) if fb is not None else None
        return ga, gb


@op("bmm", out=True)
def bmm(input: Tensor, mat2: Tensor, out_dtype: Any = None) -> Tensor:
    _no_out_dtype("bmm", out_dtype)
    for name, t in (("batch1", input), ("batch2", mat2)):
        if t._data.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    bs, _, k = input._data.shape
    if mat2._data.shape[:2] != (bs, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{bs}, {k}] but got: "
            f"[{mat2._data.shape[0]}, {mat2._data.shape[1]}]."
        )
    if input.dtype is not mat2.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.scalar_name} but found {mat2.dtype.scalar_name}")
    x, y, dt = promote2(input, mat2)
    small = small_bmm(x, y)  # ATen's own loop below 400 multiply-adds: its summation order
    exact = exact_gemm.aten_matmul(x, y) if small is None and x.dtype == _F32 else None  # MKL's, with the extra
    out = result(small if small is not None else np.matmul(x, y) if exact is None else exact, dt)
    if state.recording and (input._rg or mat2._rg):
        node = BmmBackward0((edge(input), edge(mat2)))
        node.b = save(mat2) if input._rg else None
        node.a = save(input) if mat2._rg else None
        attach(out, node)
    return out


@op("outer", out=True)
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    # PyTorch: self.reshape({self.size(0), 1}) * vec2
    return input.reshape(input._data.shape[0] if input._data.ndim else 1, 1) * vec2


class SqueezeBackward4(Node):
    """squeeze_(dim), which matmul applies in place to the 1D @ 2D product."""

    __slots__ = ("shape",)

    def apply(self, grads: list) -> tuple:
        return (grads[0].reshape(self.shape),)


def _squeeze0_(t: Tensor) -> Tensor:
    """t.squeeze_(0) on a fresh product: same values, a bumped version, SqueezeBackward4."""
    out = Tensor._wrap(t._data.reshape(t._data.shape[1:]), t.dtype)
    out._vc[0] += 1
    if state.recording and t._rg:
        node = SqueezeBackward4((edge(t),))
        node.shape = t._data.shape
        attach(out, node)
    return out


def _unsafe_view(t: Tensor, shape: tuple) -> Tensor:
    """at::_unsafe_view: a reshaped result that is not recorded as a view (UnsafeViewBackward0)."""
    out = Tensor._wrap(t._data.reshape(shape), t.dtype)
    if state.recording and t._rg:
        node = UnsafeViewBackward0((edge(t),))
        node.shape = t._data.shape
        attach(out, node)
    return out


def _should_fold(a: Tensor, b: Tensor) -> bool:
    """PyTorch's should_fold: use mm/mv on the larger operand with its batch dims folded into rows."""
    na, nb = a._data.ndim, b._data.ndim
    larger = na >= nb
    big, dim_small = (a, nb) if larger else (b, na)
    if not (big._data.ndim >= 3 and dim_small <= 2):
        return False
    if (b if larger else a)._rg:
        return True
    if na == 2:
        return False
    data = big._data if larger else big._data.swapaxes(-1, -2)
    if data.size == 0:
        return True
    # the batch dims must fold into the rows without a copy
    return all(data.strides[i] == data.strides[i + 1] * data.shape[i + 1] for i in range(data.ndim - 2))


@op("matmul", out=True, dunders={"__matmul__": BINARY, "__rmatmul__": REFLECTED})
def matmul(input: Tensor, other: Any) -> Tensor:
    if not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
    na, nb = input._data.ndim, other._data.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    if na == 1 and nb == 1:
        return dot(input, other)
    if na == 2 and nb == 1:
        return mv(input, other)
    if na == 1 and nb == 2:
        return _squeeze0_(mm(input.unsqueeze(0), other))
    if na == 2 and nb == 2:
        return mm(input, other)
    if _should_fold(input, other):
        # as PyTorch's _matmul_impl: fold the larger operand's batch dims into mm's (or mv's) rows
        transpose = nb > na
        t1 = other.mT if transpose else input
        t2 = (input.t() if na == 2 else input) if transpose else other
        lead = t1._data.shape[:-1]
        folded = t1.reshape(int(np.prod(lead)), t1._data.shape[-1])
        if t2._data.ndim == 2:
            out = _unsafe_view(mm(folded, t2), (*lead, t2._data.shape[1]))
            return out.mT.contiguous() if transpose else out
        return _unsafe_view(mv(folded, t2), lead)
    return _batched(input, other)


def _batched(a: Tensor, b: Tensor) -> Tensor:
    na, nb = a._data.ndim, b._data.ndim
    n = a._data.shape[-2] if na > 1 else 1
    m1 = a._data.shape[-1]
    m2 = b._data.shape[0] if nb == 1 else b._data.shape[-2]
    p = b._data.shape[-1] if nb > 1 else 1
    batch = np.broadcast_shapes(a._data.shape[:max(na - 2, 0)], b._data.shape[:max(nb - 2, 0)])
    out_shape = (*batch, *((n,) if na > 1 else ()), *((p,) if nb > 1 else ()))
    count = int(np.prod(batch))
    a3 = a.expand(*batch, n, m1).reshape(count, n, m1)
    if nb == 1:
        b3 = b.expand(*batch, m2).reshape(count, m2).unsqueeze(2)
        return _unsafe_view(bmm(a3, b3).squeeze(-1), out_shape)
    b3 = b.expand(*batch, m2, p).reshape(count, m2, p)
    return _unsafe_view(bmm(a3, b3), out_shape)


class AddmmBackward0(Node):
    __slots__ = ("alpha", "beta", "bias_shape", "m1", "m2")
    saved = ("m1", "m2")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fb, _), (f1, _), (f2, _) = self.next_functions
        if self.alpha == 1 and plain_backward(g):  # (nn.Linear's backward)
            products = _plain_products(g, unpack(self.m1, self) if f2 is not None else None,
                                       unpack(self.m2, self) if f1 is not None else None)
            if products is not None:
                gb = fit(g * self.beta if self.beta != 1 else g, self.bias_shape) if fb is not None else None
                return gb, *products
        beta, alpha = _conj_number(self.beta), _conj_number(self.alpha)
        gb = fit(g * beta if beta != 1 else g, self.bias_shape) if fb is not None else None
        g1 = mm(g, _c(unpack(self.m2, self)).t()) if f1 is not None else None
        g2 = mm(_c(unpack(self.m1, self)).t(), g) if f2 is not None else None
        if alpha != 1:
            g1 = None if g1 is None else g1 * alpha
            g2 = None if g2 is None else g2 * alpha
        return gb, g1, g2


def _addmm_data(bias: np.ndarray, x: np.ndarray, y: np.ndarray, alpha: Any, beta: Any) -> np.ndarray:
    """beta * bias + alpha * (x @ y). PyTorch's float32 kernel copies the bias into the result and lets MKL's
    sgemm add the products to it (beta=1), which rounds otherwise than a product plus the bias: with the
    `exact` extra it is that call, else numpy's product, then the bias."""
    if x.dtype == _F32 and bias.ndim <= 2 and not isinstance(alpha, complex) and not isinstance(beta, complex):
        shape = (x.shape[0], y.shape[1])
        if np.broadcast_shapes(bias.shape, shape) == shape:
            exact = exact_gemm.addmm(bias, x, y, alpha, beta)
            if exact is not None:
                return exact
    prod = x @ y
    if alpha != 1:
        prod = prod * alpha
    return prod + (bias if beta == 1 else bias * beta)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, out_dtype: Any = None, *, beta: Any = 1,
          alpha: Any = 1) -> Tensor:
    _no_out_dtype("addmm", out_dtype)
    # dtypes are checked before the shapes here (PyTorch's ADDMM_META)
    if input.dtype is not mat2.dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {input.dtype.scalar_name} and {mat2.dtype.scalar_name}"
        )
    if mat1.dtype is not mat2.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {mat1.dtype.scalar_name} and {mat2.dtype.scalar_name}"
        )
    _check_2d(mat1, mat2)
    x, y, dt = promote2(mat1, mat2)
    out = result(_addmm_data(input._data, x, y, alpha, beta), dt)
    if state.recording and (input._rg or mat1._rg or mat2._rg):
        node = AddmmBackward0((edge(input), edge(mat1), edge(mat2)))
        node.m2 = save(mat2) if mat1._rg else None
        node.m1 = save(mat1) if mat2._rg else None
        node.bias_shape = (input._data.shape, input.dtype)
        node.alpha, node.beta = alpha, beta
        attach(out, node)
    return out


# addmm_ writes the product into the tensor itself: `input` may not broadcast as it can out of place
addmm = op("addmm", out=True, inplace=in_place(result_matches_target(addmm), "addmm_"))(addmm)
