"""Reductions and normalisations: sum, mean, max/min, softmax, log_softmax."""

from __future__ import annotations

import builtins
import warnings
from typing import Any, Self

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..graph import Node, edge
from ..out_arg import check_out, write_out
from ..registry import op
from ..tensor import Tensor, _wrap_dim
from ..unsupported import unsupported
from ._core import attach, expand_to, plain_backward, result, save, save_output, sum_to, unpack, wrap
from .accumulate import exact_sum
from .elementwise import maximum, minimum
from .indexing import _gather_key, embed
from .sum_iter import exact_sum_dims
from .sum_orders import exact_sum64, exact_sum_leading, exact_sum_trailing


def _dims(dim: Any, ndim: int) -> tuple:
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        return tuple(sorted(_wrap_dim(d, ndim) for d in dim))
    return (_wrap_dim(dim, ndim),)


def _restore(g: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dims."""
    if not keepdim and shape:
        for d in dims:
            g = g.unsqueeze(d)
    return g.expand(shape) if g._data.shape != shape else g


def _sum_dtype(dt: dtypes.dtype) -> dtypes.dtype:
    return dtypes.int64 if dt.category <= 1 else dt


class SumBackward0(Node):
    __slots__ = ("shape",)

    def apply(self, grads: list) -> tuple:
        return (expand_to(grads[0], self.shape),)


class SumBackward1(Node):
    __slots__ = ("dims", "keepdim", "shape")

    def apply(self, grads: list) -> tuple:
        return (_restore(grads[0], self.shape, self.dims, self.keepdim),)


@op("sum", out=True)
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    dt = dtype or _sum_dtype(input.dtype)
    data = input._data if dtype is None else input._data.astype(dt.np)
    if dim is None:
        exact = exact_sum(data) if dt is dtypes.float32 else None  # PyTorch's float32 addition order
        if dt is dtypes.float64:
            exact = exact_sum64(data)  # and its float64 one
        out = result(data.sum(dtype=dt.np) if exact is None else exact, dt)
        if state.recording and input._rg:
            node = SumBackward0((edge(input),))
            node.shape = input._data.shape
            attach(out, node)
        return out
    dims = _dims(dim, input._data.ndim) if input._data.ndim else ()
    value = _exact_dim_sum(data, dims, keepdim)  # PyTorch's order where it is modelled, or None
    if value is None:
        value = data.sum(axis=dims, keepdims=keepdim, dtype=dt.np)
    out = result(value, dt)
    if state.recording and input._rg:
        node = SumBackward1((edge(input),))
        node.shape, node.dims, node.keepdim = input._data.shape, dims, keepdim
        attach(out, node)
    return out


def _exact_dim_sum(data: np.ndarray, dims: tuple, keepdim: bool) -> np.ndarray | None:
    """PyTorch's float32/float64 `sum(dims)` where its addition order is modelled: every dim (the whole-tensor
    sum), the leading or trailing dims of a contiguous array, any other dims of a dense array (sum_iter.py);
    shaped as the result, or None."""
    ndim = data.ndim
    if not dims or not data.size:
        return None
    k = len(dims)
    if k < ndim:
        leading = exact_sum_leading(data, dims)  # a bias's gradient (first: the MLP step's hot path)
        if leading is not None:
            return leading.reshape((1,) * k * keepdim + data.shape[k:])
    if k == ndim or all(n == 1 for d, n in enumerate(data.shape) if d not in dims):
        # one output: the kept dims coalesce away and the iteration is the whole-tensor sum's (two-pass above
        # 32768 elements)
        total = exact_sum(data) if data.dtype == np.float32 else exact_sum64(data)
        shape = (1,) * (ndim if keepdim else ndim - k)  # the kept dims all have size 1
        return None if total is None else np.full(shape, total, data.dtype)
    trailing = exact_sum_trailing(data, dims)  # sum(-1) of a matrix
    if trailing is not None:
        return trailing.reshape(data.shape[:ndim - k] + (1,) * k * keepdim)
    middle = exact_sum_dims(data, dims)  # middle or scattered dims, permuted inputs: TensorIterator's plan
    if middle is None or keepdim:
        return middle
    return middle.reshape(tuple(n for d, n in enumerate(data.shape) if d not in dims))


class MeanBackward0(Node):
    __slots__ = ("n", "shape")

    def apply(self, grads: list) -> tuple:
        return (expand_to(grads[0], self.shape, self.n),)


class MeanBackward1(Node):
    __slots__ = ("dims", "keepdim", "n", "shape")

    def apply(self, grads: list) -> tuple:
        return (_restore(grads[0] / self.n, self.shape, self.dims, self.keepdim),)


@op("mean", out=True)
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    dt = dtype or input.dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {input.dtype.scalar_name}"
        )
    data = input._data.astype(dt.np, copy=False)
    if dim is None:
        exact = exact_sum(data) if dt is dtypes.float32 and data.size else None
        if exact is not None:  # PyTorch's float32 sum, then one float32 division by the count
            value = np.float32(exact) / np.float32(data.size)
        elif dt is dtypes.float64 and data.size and (exact := exact_sum64(data)) is not None:
            value = exact / np.float64(data.size)  # the same for float64
        else:
            value = data.mean(dtype=dt.np) if data.size else np.float64("nan")
        out = result(value, dt)
        if state.recording and input._rg:
            node = MeanBackward0((edge(input),))
            node.shape, node.n = input._data.shape, builtins.max(input._data.size, 1)
            attach(out, node)
        return out
    dims = _dims(dim, input._data.ndim) if input._data.ndim else ()
    total = _exact_dim_sum(data, dims, keepdim)
    if total is not None:  # PyTorch's sum over the dims, then one division by their element count
        count = 1
        for d in dims:
            count *= data.shape[d]
        out = result(total / total.dtype.type(count), dt)
    else:
        out = result(data.mean(axis=dims, keepdims=keepdim, dtype=dt.np), dt)
    if state.recording and input._rg:
        n = 1
        for d in dims:
            n *= input._data.shape[d]
        node = MeanBackward1((edge(input),))
        node.shape, node.dims, node.keepdim, node.n = input._data.shape, dims, keepdim, n
        attach(out, node)
    return out


# ----- max / min ----------------------------------------------------------------------------------

class MaxBackward1(Node):
    """Whole-tensor max/min: the gradient is shared evenly among the tied extreme elements."""

    __slots__ = ("out", "x")
    saved = ("x", "out")

    def apply(self, grads: list) -> tuple:
        x, out = unpack(self.x, self), unpack(self.out, self)
        mask = (x._data == out._data)
        weight = mask / mask.sum()
        return (grads[0] * Tensor._wrap(weight.astype(x._data.dtype), x.dtype),)


class MinBackward1(MaxBackward1):
    __slots__ = ()


class MaxBackward0(Node):
    """max/min along a dim: the gradient goes to the selected index."""

    __slots__ = ("dim", "indices", "keepdim", "shape")
    saved = ("indices",)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        idx = unpack(self.indices, self)
        if not self.keepdim and self.shape:
            g = g.unsqueeze(self.dim)
            idx = idx.unsqueeze(self.dim)
        return (embed(g, self.shape, _gather_key(idx._data, self.dim) if self.shape else ()),)


class MinBackward0(MaxBackward0):
    __slots__ = ()


class _ValuesIndices(tuple):
    """torch.return_types.max(values=..., indices=...)."""

    _name = "max"

    def __new__(cls, values: Tensor, indices: Tensor) -> Self:
        return tuple.__new__(cls, (values, indices))

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        return f"torch.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def return_type(name: str) -> type:
    return type(name, (_ValuesIndices,), {"_name": name, "__slots__": ()})


_max_type, _min_type = return_type("max"), return_type("min")


def _extreme(x: Tensor, dim: Any, keepdim: bool, is_max: bool) -> Any:
    if isinstance(dim, Tensor):
        return maximum(x, dim) if is_max else minimum(x, dim)
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(
                f"{'max' if is_max else 'min'}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        out = result(x._data.max() if is_max else x._data.min(), x.dtype)
        if state.recording and x._rg:
            node = (MaxBackward1 if is_max else MinBackward1)((edge(x),))
            node.x, node.out = save(x), save_output(out)
            attach(out, node)
        return out
    d = _wrap_dim(dim, x._data.ndim)
    data = x._data if x._data.ndim else x._data.reshape(1)
    axis = d if x._data.ndim else 0
    idx = np.argmax(data, axis=axis) if is_max else np.argmin(data, axis=axis)
    idx = np.expand_dims(idx, axis)
    values = np.take_along_axis(data, idx, axis=axis)
    if not keepdim or not x._data.ndim:
        values, idx = np.squeeze(values, axis), np.squeeze(idx, axis)
    out = result(values, x.dtype)
    indices = Tensor._wrap(np.asarray(idx, dtype=np.int64), dtypes.int64)
    if state.recording and x._rg:
        node = (MaxBackward0 if is_max else MinBackward0)((edge(x),))
        node.shape, node.dim, node.keepdim, node.indices = x._data.shape, d, keepdim, save(indices)
        attach(out, node)
    return (_max_type if is_max else _min_type)(out, indices)


@op("max", out=True)
def max(input: Tensor, dim: Any = None, keepdim: bool = False, other: Tensor | None = None) -> Any:
    """max(input), max(input, dim, keepdim) or max(input, other): the elementwise maximum."""
    return _extreme(input, dim if other is None else other, keepdim, True)


@op("min", out=True)
def min(input: Tensor, dim: Any = None, keepdim: bool = False, other: Tensor | None = None) -> Any:
    """min(input), min(input, dim, keepdim) or min(input, other): the elementwise minimum."""
    return _extreme(input, dim if other is None else other, keepdim, False)


@op("argmax")
def argmax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    if dim is None:
        return Tensor._wrap(np.asarray(np.argmax(input._data), dtype=np.int64), dtypes.int64)
    return max(input, dim, keepdim).indices


@op("argmin")
def argmin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    if dim is None:
        return Tensor._wrap(np.asarray(np.argmin(input._data), dtype=np.int64), dtypes.int64)
    return min(input, dim, keepdim).indices


# ----- softmax ------------------------------------------------------------------------------------

class SoftmaxBackward0(Node):
    __slots__ = ("dim", "out")
    saved = ("out",)

    def apply(self, grads: list) -> tuple:
        y = unpack(self.out, self)
        g = grads[0]
        return (y * (g - (g * y).sum(dim=self.dim, keepdim=True)),)


class LogSoftmaxBackward0(SoftmaxBackward0):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        y = unpack(self.out, self)
        g = grads[0]
        return (g - y.exp() * g.sum(dim=self.dim, keepdim=True),)


def _softmax_data(x: Tensor, d: int, log: bool) -> tuple:
    dt = x.dtype if x.dtype.is_floating_point else dtypes.get_default_dtype()
    data = x._data.astype(dt.np, copy=False)
    if data.ndim == 0:
        data = data.reshape(1)
    shifted = data - data.max(axis=d, keepdims=True) if data.size else data  # empty: nothing to shift
    if log:
        out = shifted - np.log(np.exp(shifted).sum(axis=d, keepdims=True))
    else:
        e = np.exp(shifted)
        out = e / e.sum(axis=d, keepdims=True)
    return out.reshape(x._data.shape), dt


def _softmax(x: Tensor, dim: int, dtype: Any, log: bool) -> Tensor:
    if dtype is not None:
        x = x.to(dtype)
    d = _wrap_dim(dim, x._data.ndim)
    data, dt = _softmax_data(x, d, log)
    out = result(data, dt)
    if state.recording and x._rg:
        node = (LogSoftmaxBackward0 if log else SoftmaxBackward0)((edge(x),))
        node.out, node.dim = save_output(out), d
        attach(out, node)
    return out


@op("softmax")
def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    return _softmax(input, dim, dtype, False)


@op("log_softmax")
def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    return _softmax(input, dim, dtype, True)


# ----- amax / amin: ties share the gradient evenly --------------------------------------------------

class AmaxBackward0(Node):
    __slots__ = ("dims", "keepdim", "out", "shape", "x")
    saved = ("x", "out")

    def apply(self, grads: list) -> tuple:
        x, out = unpack(self.x, self), unpack(self.out, self)
        o = out._data
        if not self.keepdim:
            o = np.expand_dims(o, self.dims)
        mask = x._data == o
        count = mask.sum(axis=self.dims, keepdims=True)
        g = _restore(grads[0], self.shape, self.dims, self.keepdim)
        return (g * Tensor._wrap((mask / count).astype(x._data.dtype), x.dtype),)


class AminBackward0(AmaxBackward0):
    __slots__ = ()


def _amax(x: Tensor, dim: Any, keepdim: bool, is_max: bool) -> Tensor:
    dims = _dims(None if dim == () else dim, x._data.ndim) if x._data.ndim else ()
    data = x._data
    out = result(data.max(axis=dims, keepdims=keepdim) if is_max else data.min(axis=dims, keepdims=keepdim), x.dtype)
    if state.recording and x._rg:
        node = (AmaxBackward0 if is_max else AminBackward0)((edge(x),))
        node.x, node.out = save(x), save_output(out)
        node.shape, node.dims, node.keepdim = x._data.shape, dims, keepdim
        attach(out, node)
    return out


@op("amax", out=True)
def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    return _amax(input, dim, keepdim, True)


@op("amin", out=True)
def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    return _amax(input, dim, keepdim, False)


# ----- prod ---------------------------------------------------------------------------------------

def _prod_safe_zeros(x: np.ndarray, axis: int) -> np.ndarray:
    """Product of all other elements along `axis`, exact with zeros (PyTorch's prod_safe_zeros_backward)."""
    n = x.shape[axis]
    ones = np.ones_like(np.take(x, [0], axis=axis))
    left = np.cumprod(np.concatenate([ones, np.take(x, range(n - 1), axis=axis)], axis=axis), axis=axis)
    rev = np.flip(np.take(x, range(1, n), axis=axis), axis=axis)
    right = np.flip(np.cumprod(np.concatenate([ones, rev], axis=axis), axis=axis), axis=axis)
    return left * right


class ProdBackward0(Node):
    __slots__ = ("out", "x")
    saved = ("x", "out")

    def apply(self, grads: list) -> tuple:
        x, out = unpack(self.x, self), unpack(self.out, self)
        g = grads[0]
        if not x._data.ndim:  # PyTorch's prod_backward passes a scalar's gradient through (a constant in x)
            return (g,)
        zeros = int((x._data == 0).sum())
        if zeros == 0:
            return (g * _conj(out / x),)
        if zeros > 1:
            return (g * Tensor._wrap(np.zeros_like(x._data), x.dtype),)
        other = _prod_safe_zeros(x._data.reshape(-1), 0).reshape(x._data.shape)
        return (g * Tensor._wrap(other.conj(), x.dtype),)


class ProdBackward1(Node):
    __slots__ = ("dim", "keepdim", "out", "x")
    saved = ("x", "out")

    def apply(self, grads: list) -> tuple:
        x, out = unpack(self.x, self), unpack(self.out, self)
        g = grads[0]
        if not x._data.ndim:  # PyTorch's prod_backward passes a scalar's gradient through (a constant in x)
            return (g,)
        if not self.keepdim:
            g, out = g.unsqueeze(self.dim), out.unsqueeze(self.dim)
        if not (x._data == 0).any():
            return (g * _conj(out / x),)
        axis = self.dim if x._data.ndim else 0
        data = x._data if x._data.ndim else x._data.reshape(1)
        other = _prod_safe_zeros(data, axis).reshape(x._data.shape)
        return (g * Tensor._wrap(other.conj(), x.dtype),)


def _conj(t: Tensor) -> Tensor:
    """PyTorch's complex gradients take the conjugate of the local derivative (a real one is itself)."""
    return t.conj() if t.dtype.is_complex else t


@op("prod", out=True)
def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    dt = dtype or _sum_dtype(input.dtype)
    data = input._data.astype(dt.np, copy=False)
    if dim is None:
        out = result(data.prod(dtype=dt.np), dt)
        if state.recording and input._rg:
            node = ProdBackward0((edge(input),))
            node.x, node.out = save(input), save_output(out)
            attach(out, node)
        return out
    d = _wrap_dim(dim, input._data.ndim)
    out = result(data.prod(axis=d, keepdims=keepdim, dtype=dt.np) if data.ndim else data, dt)
    if state.recording and input._rg:
        node = ProdBackward1((edge(input),))
        node.x, node.out, node.dim, node.keepdim = save(input), save_output(out), d, keepdim
        attach(out, node)
    return out


# ----- vector norm --------------------------------------------------------------------------------

class LinalgVectorNormBackward0(Node):
    __slots__ = ("dims", "keepdim", "out", "p", "shape", "x")
    saved = ("x", "out")

    def apply(self, grads: list) -> tuple:
        x, out = unpack(self.x, self), unpack(self.out, self)
        p = self.p
        g = _restore(grads[0], self.shape, self.dims, self.keepdim)
        norm = _restore(out, self.shape, self.dims, self.keepdim)
        if p == 0:
            return (None,)  # PyTorch leaves the 0-"norm" (a count) without a gradient
        # PyTorch's norm_backward; sgn is x / |x| for a complex x (sign for a real one)
        if p == 1:
            return (x.sgn() * g,)
        if p == 2:
            return (g * (x / norm).masked_fill(norm == 0, 0),)
        if p == float("inf") or p == -float("inf"):
            x_abs = x.abs()
            mask = (x_abs == norm).logical_or(x_abs.isnan())
            count = Tensor._wrap(mask._data.sum(axis=self.dims, keepdims=True), g.dtype)
            return (x.sgn() * ((g / count) * mask),)
        if p < 1:
            scaled = (x.sgn() * x.abs() ** (p - 1)).masked_fill(x == 0, 0)
            return (scaled * g * norm ** (1 - p),)
        scale = (g / norm ** (p - 1)).masked_fill(norm == 0, 0)
        if p < 2:
            return (x.sgn() * x.abs() ** (p - 1) * scale,)
        return (x * x.abs() ** (p - 2) * scale,)


def _vector_norm_data(a: np.ndarray, p: float, dims: tuple, keepdim: bool) -> np.ndarray:
    # accumulated in double, as PyTorch's CPU kernels do for float (so the 3-norm of [5.] is exactly 5.)
    a = np.abs(a).astype(np.float64, copy=False) if a.dtype.itemsize < 8 else np.abs(a)
    if p == 2:
        return np.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
    if p == 1:
        return a.sum(axis=dims, keepdims=keepdim)
    if p == float("inf"):
        return a.max(axis=dims, keepdims=keepdim)
    if p == -float("inf"):
        return a.min(axis=dims, keepdims=keepdim)
    if p == 0:
        return (a != 0).sum(axis=dims, keepdims=keepdim).astype(a.dtype)
    return (a ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)


def _norm_function(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, out: Any = None,
                   dtype: Any = None) -> Tensor:
    """torch.norm takes `out` positionally before `dtype` (Tensor.norm has no out)."""
    if out is None:
        return norm(input, p, dim, keepdim, dtype)
    out = check_out("norm", out, (input,))
    return write_out(out, norm(input, p, dim, keepdim, dtype))


@op("norm", function=_norm_function)
def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """`Tensor.norm` / `torch.norm` for vector norms: recorded as LinalgVectorNormBackward0."""
    if p in ("fro", None):
        p = 2
    if p == "nuc":
        from .linalg_norms import matrix_norm  # cycle: linalg_norms uses this norm for its vector norms

        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if isinstance(p, str):
        raise unsupported(f"torch.norm(p={p!r})")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{input.dtype.scalar_name}"
        )
    if dtype is not None:
        input = input.to(dtype)
    p = float(p)
    dims = _dims(dim, input._data.ndim) if input._data.ndim else ()
    with np.errstate(all="ignore"):
        real = input.dtype.to_real() if input.dtype.is_complex else input.dtype
        out = result(_vector_norm_data(input._data, p, dims, keepdim), real)
    if state.recording and input._rg:
        node = LinalgVectorNormBackward0((edge(input),))
        node.x, node.out, node.p = save(input), save_output(out), p
        node.shape, node.dims, node.keepdim = input._data.shape, dims, keepdim
        attach(out, node)
    return out


# ----- var / std ----------------------------------------------------------------------------------

class VarBackward0(Node):
    __slots__ = ("dims", "dof", "keepdim", "shape", "x")
    saved = ("x",)

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        g = _restore(grads[0], self.shape, self.dims, self.keepdim)
        scale = 2.0 / self.dof if self.dof else float("inf")  # C++ double division: inf at no dof
        return (scale * g * (x - x.mean(dim=self.dims, keepdim=True)),)


class StdBackward0(VarBackward0):
    __slots__ = ("out",)
    saved = ("x", "out")

    def apply(self, grads: list) -> tuple:
        out = unpack(self.out, self)
        g = (grads[0] / (out * 2)).masked_fill(out == 0, 0)
        return VarBackward0.apply(self, [g])


def _var_data(data: np.ndarray, dims: tuple, keepdim: bool, dof: int) -> np.ndarray:
    """The variance of real values (NumPy's errors silenced by the caller)."""
    if data.dtype.itemsize < 8:
        data = data.astype(np.float64)  # PyTorch's CPU Welford accumulates float in double
    centred = data - data.mean(axis=dims, keepdims=True)
    return (centred * centred).sum(axis=dims, keepdims=keepdim) / builtins.max(0, dof)


def _var(x: Tensor, dim: Any, unbiased: Any, keepdim: bool, correction: Any, is_std: bool) -> Tensor:
    if isinstance(dim, bool):  # x.var(False): the unbiased overload
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        name = "std" if is_std else "var"
        raise RuntimeError(f"{name} and {name}_mean only support floating point and complex dtypes")
    dims = _dims(dim, x._data.ndim) if x._data.ndim else ()
    n = 1
    for d in dims:
        n *= x._data.shape[d]
    dof = n - correction
    if dof <= 0:
        warnings.warn(
            f"{'std' if is_std else 'var'}(): degrees of freedom is <= 0. Correction should be strictly less than "
            "the reduction factor (input numel divided by output numel). (Triggered internally at "
            "/__w/pytorch/pytorch/aten/src/ATen/native/ReduceOps.cpp:1861.)", UserWarning, stacklevel=3)
    real = x.dtype.to_real() if x.dtype.is_complex else x.dtype
    with np.errstate(all="ignore"):
        if x.dtype.is_complex:  # PyTorch: var(real part) + var(imaginary part), each in the real dtype
            value = _var_data(x._data.real, dims, keepdim, dof).astype(real.np)
            value = value + _var_data(x._data.imag, dims, keepdim, dof).astype(real.np)
        else:
            value = _var_data(x._data, dims, keepdim, dof)
        if is_std:
            value = np.sqrt(value)
    out = result(value, real)
    if state.recording and x._rg:
        node = (StdBackward0 if is_std else VarBackward0)((edge(x),))
        node.x, node.shape, node.dims, node.keepdim, node.dof = save(x), x._data.shape, dims, keepdim, dof
        if is_std:
            node.out = save_output(out)
        attach(out, node)
    return out


@op("var", out=True)
def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Tensor:
    return _var(input, dim, unbiased, keepdim, correction, False)


@op("std", out=True)
def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Tensor:
    return _var(input, dim, unbiased, keepdim, correction, True)


# ----- losses -------------------------------------------------------------------------------------

class MseLossBackward0(Node):
    __slots__ = ("n", "reduction", "x", "x_meta", "y", "y_meta")
    saved = ("x", "y")

    def apply(self, grads: list) -> tuple:
        x, y = unpack(self.x, self), unpack(self.y, self)
        g = grads[0]
        norm = 2.0 / self.n if self.reduction == "mean" else 2.0
        (fa, _), (fb, _) = self.next_functions
        # PyTorch's mse_loss_backward, alpha * (a - b) * grad in the dtype, with input and target swapped for the
        # target's gradient
        if plain_backward(g) and x.dtype is y.dtype is g.dtype:  # the same three roundings, in numpy
            alpha = g._data.dtype.type(norm)
            ga = None if fa is None else sum_to(wrap(_scaled_difference(x._data, y._data, alpha, g._data), g.dtype),
                                                self.x_meta)
            gb = None if fb is None else sum_to(wrap(_scaled_difference(y._data, x._data, alpha, g._data), g.dtype),
                                                self.y_meta)
            return ga, gb
        ga = sum_to((x - y) * norm * g, self.x_meta) if fa is not None else None
        gb = sum_to((y - x) * norm * g, self.y_meta) if fb is not None else None
        return ga, gb


def _scaled_difference(a: np.ndarray, b: np.ndarray, alpha: np.floating, g: np.ndarray) -> np.ndarray:
    """((a - b) * alpha) * g, each product rounded to the dtype (a fresh array)."""
    out = np.subtract(a, b)
    if type(out) is not np.ndarray:  # 0-d inputs give a numpy scalar
        return np.asarray(out * alpha * g)
    np.multiply(out, alpha, out=out)
    if g.shape == out.shape or g.ndim == 0:
        np.multiply(out, g, out=out)
        return out
    return out * g


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    dt = dtypes.promote_types(input.dtype, target.dtype)
    diff = input._data.astype(dt.np, copy=False) - target._data.astype(dt.np, copy=False)
    sq = diff * diff
    exact = exact_sum(sq) if reduction != "none" and sq.size else None  # PyTorch's float32 order
    if exact is not None:
        value = exact if reduction == "sum" else np.float32(exact) / np.float32(sq.size)
    else:
        value = sq if reduction == "none" else sq.sum() if reduction == "sum" else sq.mean()
    out = result(value, dt)
    if state.recording and (input._rg or target._rg):
        node = MseLossBackward0((edge(input), edge(target)))
        node.x, node.y, node.reduction, node.n = save(input), save(target), reduction, builtins.max(sq.size, 1)
        node.x_meta, node.y_meta = input._data.shape, target._data.shape
        attach(out, node)
    return out


@op("equal")
def equal(input: Tensor, other: Tensor) -> bool:
    """`torch.equal`: same shape and same values (after promotion); a Python bool, never recorded."""
    if not isinstance(other, Tensor):
        raise TypeError(f"equal(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    if input._data.shape != other._data.shape:
        return False
    dt = dtypes.promote_types(input.dtype, other.dtype)
    return bool(np.array_equal(input._data.astype(dt.np, copy=False), other._data.astype(dt.np, copy=False)))
