"""Reductions and normalisations: sum, mean, max/min, softmax, log_softmax."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..graph import Node, edge
from ..tensor import Tensor, _wrap_dim
from ._core import attach, result, save, save_output, unpack


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
    return g.expand(*shape) if g._data.shape != shape else g


def _sum_dtype(dt: dtypes.dtype) -> dtypes.dtype:
    return dtypes.int64 if dt.category <= 1 else dt


class SumBackward0(Node):
    __slots__ = ("shape",)

    def apply(self, grads: list) -> tuple:
        return (grads[0].expand(*self.shape),)


class SumBackward1(Node):
    __slots__ = ("shape", "dims", "keepdim")

    def apply(self, grads: list) -> tuple:
        return (_restore(grads[0], self.shape, self.dims, self.keepdim),)


def sum(x: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    dt = dtype or _sum_dtype(x.dtype)
    data = x._data if dtype is None else x._data.astype(dt.np)
    if dim is None:
        out = result(data.sum(dtype=dt.np), dt)
        if state.recording and x._rg:
            node = SumBackward0((edge(x),))
            node.shape = x._data.shape
            attach(out, node)
        return out
    dims = _dims(dim, x._data.ndim) if x._data.ndim else ()
    out = result(data.sum(axis=dims, keepdims=keepdim, dtype=dt.np), dt)
    if state.recording and x._rg:
        node = SumBackward1((edge(x),))
        node.shape, node.dims, node.keepdim = x._data.shape, dims, keepdim
        attach(out, node)
    return out


class MeanBackward0(Node):
    __slots__ = ("shape", "n")

    def apply(self, grads: list) -> tuple:
        return ((grads[0] / self.n).expand(*self.shape),)


class MeanBackward1(Node):
    __slots__ = ("shape", "dims", "keepdim", "n")

    def apply(self, grads: list) -> tuple:
        return (_restore(grads[0] / self.n, self.shape, self.dims, self.keepdim),)


def mean(x: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    dt = dtype or x.dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {x.dtype.scalar_name}"
        )
    data = x._data.astype(dt.np, copy=False)
    if dim is None:
        out = result(data.mean(dtype=dt.np) if data.size else np.float64("nan"), dt)
        if state.recording and x._rg:
            node = MeanBackward0((edge(x),))
            node.shape, node.n = x._data.shape, builtins.max(x._data.size, 1)
            attach(out, node)
        return out
    dims = _dims(dim, x._data.ndim) if x._data.ndim else ()
    out = result(data.mean(axis=dims, keepdims=keepdim, dtype=dt.np), dt)
    if state.recording and x._rg:
        n = 1
        for d in dims:
            n *= x._data.shape[d]
        node = MeanBackward1((edge(x),))
        node.shape, node.dims, node.keepdim, node.n = x._data.shape, dims, keepdim, n
        attach(out, node)
    return out


# ----- max / min ----------------------------------------------------------------------------------

class MaxBackward1(Node):
    """Whole-tensor max/min: the gradient is shared evenly among the tied extreme elements."""

    __slots__ = ("x", "out")
    saves = True

    def apply(self, grads: list) -> tuple:
        x, out = unpack(self.x, self), unpack(self.out, self)
        mask = (x._data == out._data)
        weight = mask / mask.sum()
        return (grads[0] * Tensor._wrap(weight.astype(x._data.dtype), x.dtype),)

    def release(self) -> None:
        self._freed = True
        self.x = self.out = None


class MinBackward1(MaxBackward1):
    __slots__ = ()


class MaxBackward0(Node):
    """max/min along a dim: the gradient goes to the selected index."""

    __slots__ = ("shape", "dim", "keepdim", "indices")
    saves = True

    def apply(self, grads: list) -> tuple:
        from .indexing import embed, _gather_key

        g = grads[0]
        idx = unpack(self.indices, self)
        if not self.keepdim and self.shape:
            g = g.unsqueeze(self.dim)
            idx = idx.unsqueeze(self.dim)
        return (embed(g, self.shape, _gather_key(idx._data, self.dim) if self.shape else ()),)

    def release(self) -> None:
        self._freed = True
        self.indices = None


class MinBackward0(MaxBackward0):
    __slots__ = ()


class _ValuesIndices(tuple):
    """torch.return_types.max(values=..., indices=...)."""

    _name = "max"

    def __new__(cls, values: Tensor, indices: Tensor) -> "_ValuesIndices":
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
    from .elementwise import maximum, minimum

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


def max(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    return _extreme(x, dim, keepdim, True)


def min(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    return _extreme(x, dim, keepdim, False)


def argmax(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    if dim is None:
        return Tensor._wrap(np.asarray(np.argmax(x._data), dtype=np.int64), dtypes.int64)
    return max(x, dim, keepdim).indices


def argmin(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    if dim is None:
        return Tensor._wrap(np.asarray(np.argmin(x._data), dtype=np.int64), dtypes.int64)
    return min(x, dim, keepdim).indices


# ----- softmax ------------------------------------------------------------------------------------

class SoftmaxBackward0(Node):
    __slots__ = ("out", "dim")
    saves = True

    def apply(self, grads: list) -> tuple:
        y = unpack(self.out, self)
        g = grads[0]
        return (y * (g - (g * y).sum(dim=self.dim, keepdim=True)),)

    def release(self) -> None:
        self._freed = True
        self.out = None


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
    shifted = data - data.max(axis=d, keepdims=True)
    if log:
        out = shifted - np.log(np.exp(shifted).sum(axis=d, keepdims=True))
    else:
        e = np.exp(shifted)
        out = e / e.sum(axis=d, keepdims=True)
    return out.reshape(x._data.shape), dt


def softmax(x: Tensor, dim: int, dtype: Any = None) -> Tensor:
    if dtype is not None:
        x = x.to(dtype)
    d = _wrap_dim(dim, x._data.ndim)
    data, dt = _softmax_data(x, d, False)
    out = result(data, dt)
    if state.recording and x._rg:
        node = SoftmaxBackward0((edge(x),))
        node.out, node.dim = save_output(out), d
        attach(out, node)
    return out


def log_softmax(x: Tensor, dim: int, dtype: Any = None) -> Tensor:
    if dtype is not None:
        x = x.to(dtype)
    d = _wrap_dim(dim, x._data.ndim)
    data, dt = _softmax_data(x, d, True)
    out = result(data, dt)
    if state.recording and x._rg:
        node = LogSoftmaxBackward0((edge(x),))
        node.out, node.dim = save_output(out), d
        attach(out, node)
    return out
