"""More tensor ops examples use: logsumexp, cumsum, isclose/allclose, scatter, index_add (erf is a unary row).

Each forward beside its backward node (named as PyTorch 2.13 names it); backward formulas use
Tensor ops so that create_graph differentiates through them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor, _wrap_dim
from ._core import attach, result, save, save_output, to_tensor, unpack
from .inplace import apply_inplace
from .inplace_forms import in_place, result_matches_target


def _dims(dim: Any, ndim: int) -> tuple:
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return tuple(sorted(_wrap_dim(d, ndim) for d in dims)) if ndim else ()


# ----- logsumexp ------------------------------------------------------------------------------------

class LogsumexpBackward0(Node):
    __slots__ = ("dims", "keepdim", "out", "x")
    saved = ("x", "out")

    def apply(self, grads: list) -> tuple:
        x, out = unpack(self.x, self), unpack(self.out, self)
        g = grads[0]
        if not self.keepdim:
            for d in self.dims:
                g, out = g.unsqueeze(d), out.unsqueeze(d)
        d = (x - out).exp()
        return (g * (d.conj() if d.dtype.is_complex else d),)


@op("logsumexp", out=True)
def logsumexp(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    dt = input.dtype if input.dtype.is_floating_point or input.dtype.is_complex else dtypes.get_default_dtype()
    nd = input._data.ndim
    dims = _dims(dim, nd) if dim != () else tuple(range(nd))
    a = input._data.astype(np.complex128 if dt.is_complex else np.float64)
    if nd == 0 and not dt.is_complex:
        data = a
    elif nd == 0:  # log(exp(x - m)) + m brings the imaginary part into (-pi, pi]
        m = np.where(np.isinf(a.real), 0.0, a.real)
        with np.errstate(all="ignore"):
            data = np.log(np.exp(a - m)) + m
    else:
        # PyTorch shifts a complex input by the largest real part
        m = a.real.max(axis=dims, keepdims=True) if a.size else np.zeros([1] * nd)
        m = np.where(np.isinf(m), 0.0, m)
        data = np.log(np.exp(a - m).sum(axis=dims, keepdims=True)) + m
        if not keepdim:
            data = data.squeeze(axis=dims)
    out = result(data, dt)
    if state.recording and input._rg:
        node = LogsumexpBackward0((edge(input),))
        node.x, node.out, node.dims, node.keepdim = save(input), save_output(out), dims, keepdim or nd == 0
        attach(out, node)
    return out


# ----- cumsum ---------------------------------------------------------------------------------------

class CumsumBackward0(Node):
    __slots__ = ("dim",)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        if g._data.ndim == 0:
            return (g,)
        # the reversed cumulative sum: total - (inclusive prefix sum) + g
        return (g.sum(self.dim, keepdim=True) - g.cumsum(self.dim) + g,)


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    dt = dtype or (dtypes.int64 if not (input.dtype.is_floating_point or input.dtype.is_complex) else input.dtype)
    nd = input._data.ndim
    d = _wrap_dim(dim, nd) if nd else 0
    # float32 accumulates in double, each output rounded (PyTorch's cumsum kernel; reductions.md §4)
    acc = np.float64 if dt.np == np.float32 else dt.np
    data = input._data.astype(acc).cumsum(axis=d) if nd else input._data.astype(dt.np).copy()
    out = result(data, dt)
    if state.recording and input._rg:
        node = CumsumBackward0((edge(input),))
        node.dim = d
        attach(out, node)
    return out


# cumsum_ is cumsum.out into the tensor itself: a dtype= must be its own
cumsum = op("cumsum", out=True, inplace=in_place(result_matches_target(cumsum), "cumsum_"))(cumsum)

# ----- comparisons with tolerance ---------------------------------------------------------------------

@op("isclose")
def isclose(input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    other = to_tensor(other)
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype.scalar_name} did not match {other.dtype.scalar_name}")
    x, y = input._data, other._data
    close = np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return Tensor._wrap(np.asarray(close), dtypes.bool_)


@op("allclose")
def allclose(input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


# ----- scatter / index_add --------------------------------------------------------------------------

def _scatter_data(base: np.ndarray, d: int, index: np.ndarray, src: Any, reduce: str | None = None) -> np.ndarray:
    if base.ndim == 0:  # a 0-d tensor scatters as one of shape (1,)
        src = src.reshape(1) if isinstance(src, np.ndarray) else src
        return _scatter_data(base.reshape(1), 0, index.reshape(1), src, reduce).reshape(())
    out = base.copy()
    idx = np.indices(index.shape)
    key = list(idx)
    key[d] = index
    values = src[tuple(np.indices(index.shape))] if isinstance(src, np.ndarray) else src
    if reduce is None:
        out[tuple(key)] = values
    elif reduce == "add":
        np.add.at(out, tuple(key), values)
    elif reduce == "multiply":
        np.multiply.at(out, tuple(key), values)
    else:
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    return out


class ScatterBackward0(Node):
    __slots__ = ("dim", "index")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fs, _), (fsrc, _) = self.next_functions
        gs = scatter(g, self.dim, self.index, 0.0) if fs is not None else None
        gsrc = g.gather(self.dim, self.index) if fsrc is not None else None
        return gs, gsrc


class ScatterBackward1(Node):
    __slots__ = ("dim", "index")

    def apply(self, grads: list) -> tuple:
        return (scatter(grads[0], self.dim, self.index, 0.0),)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None, *,
            reduce: str | None = None) -> Tensor:
    if src is None:
        src = value
    d = _wrap_dim(dim, input._data.ndim) if input._data.ndim else 0
    idx = index._data
    if isinstance(src, Tensor):
        data = _scatter_data(input._data, d, idx, src._data.astype(input.dtype.np), reduce)
    else:
        data = _scatter_data(input._data, d, idx, src, reduce)
    out = result(data, input.dtype)
    src_rg = isinstance(src, Tensor) and src._rg
    if state.recording and (input._rg or src_rg) and reduce is None:
        if isinstance(src, Tensor):
            node = ScatterBackward0((edge(input), edge(src)))
        else:
            node = ScatterBackward1((edge(input),))
        node.dim, node.index = d, index
        attach(out, node)
    return out


def scatter_(x: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None, *,
             reduce: str | None = None) -> Tensor:
    extra = (src,) if isinstance(src, Tensor) else ()
    s = None if extra else src

    def op(t: Tensor, *rest: Tensor) -> Tensor:
        return scatter(t, dim, index, rest[0] if rest else s, value=value, reduce=reduce)

    return apply_inplace(x, op, *extra)


class IndexAddBackward0(Node):
    __slots__ = ("alpha", "dim", "index", "src_meta")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fs, _), (fsrc, _) = self.next_functions
        gsrc = None
        if fsrc is not None:
            gsrc = g.index_select(self.dim, self.index) if g._data.ndim else g
            if self.alpha != 1:
                gsrc = gsrc * self.alpha
            if gsrc._data.shape != self.src_meta:
                gsrc = gsrc.reshape(self.src_meta)
        return (g if fs is not None else None), gsrc


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    nd = input._data.ndim
    d = _wrap_dim(dim, nd) if nd else 0
    data = input._data.copy()
    src = source._data.astype(input.dtype.np)
    if alpha != 1:
        src = src * alpha
    if nd == 0:
        data = data + src.reshape(())
    else:
        key = [slice(None)] * nd
        key[d] = index._data.reshape(-1)
        np.add.at(data, tuple(key), src.reshape(data[tuple(key)].shape))
    out = result(data, input.dtype)
    if state.recording and (input._rg or source._rg):
        node = IndexAddBackward0((edge(input), edge(source)))
        node.dim, node.index, node.alpha, node.src_meta = d, index, alpha, source._data.shape
        attach(out, node)
    return out


def index_add_(x: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    return apply_inplace(x, lambda t, s: index_add(t, dim, index, s, alpha=alpha), source)


op("scatter", inplace=scatter_, out=True)(scatter)
op("index_add", out=True, inplace=index_add_)(index_add)

__all__ = [
    "allclose", "cumsum", "index_add", "index_add_", "isclose", "logsumexp", "scatter", "scatter_",
]
