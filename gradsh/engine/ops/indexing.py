"""Indexing: basic keys become chains of views (as PyTorch records them), advanced keys gather."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import no_grad, state
from ..graph import Node, edge
from ..registry import DIRECT, op
from ..tensor import Tensor
from ..unsupported import unsupported
from . import views
from ._core import attach, result, save, sum_to, unpack
from .elementwise import where


def _is_basic(item: Any) -> bool:
    return item is None or item is Ellipsis or isinstance(item, (int, slice)) and not isinstance(item, bool)


def _to_index(item: Any) -> Any:
    """An advanced index as numpy wants it."""
    if isinstance(item, Tensor):
        return item._data
    if isinstance(item, (list, tuple)):
        return np.asarray([i._data if isinstance(i, Tensor) else i for i in item])
    if isinstance(item, bool):
        return np.asarray(item)
    return item


def _normalize_key(key: Any) -> tuple:
    if not isinstance(key, tuple):
        key = (key,)
    return tuple(k.item() if isinstance(k, Tensor) and k.dtype.category == 1 and k._data.ndim == 0 else k
                 for k in key)


@op("getitem", function=False, method=False, dunders={"__getitem__": DIRECT})
def getitem(x: Tensor, key: Any) -> Tensor:
    key = _normalize_key(key)
    if all(_is_basic(k) for k in key):
        return _basic(x, key)
    return _advanced(*apply_slicing(x, tuple(k if _is_basic(k) else _to_index(k) for k in key)))


def apply_slicing(x: Tensor, key: tuple) -> tuple:
    """As PyTorch's applySlicing: ints, slices and None first (as views), then one advanced index.

    Returns the view and the advanced key (numpy form) left to apply to it; item assignment writes there too.
    """
    def span(k: Any) -> int:  # how many of x's dims an entry consumes
        if k is None or k is Ellipsis:
            return 0
        if isinstance(k, np.ndarray) and k.dtype == np.bool_:
            return k.ndim
        return 1

    ndim = x._data.ndim
    n_real = sum(span(k) for k in key)
    if n_real > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    out, dim, advanced = x, 0, []
    for k in key:
        if k is Ellipsis:
            dim += ndim - n_real
        elif k is None or isinstance(k, (int, slice)):
            out = _basic(out, (slice(None),) * dim + (k,)) if k != slice(None) else out
            dim += 0 if isinstance(k, int) else 1
        elif k.dtype == np.bool_ and k.ndim == 0:  # a Python bool: a new dim of size 1, kept or dropped
            out = views.unsqueeze(out, dim)
            advanced.append((dim, k.reshape(1)))
            dim += 1
        else:
            advanced.append((dim, k))
            dim += span(k)
    np_key: list = [slice(None)] * dim
    for d, k in advanced:
        np_key[d] = k
    for d, k in reversed(advanced):  # a mask stands for its ndim dims
        del np_key[d + 1:d + span(k)]
    return out, tuple(np_key)


def _basic(x: Tensor, key: tuple, alias: bool = True) -> Tensor:
    """The view a basic key selects; a key that selects everything gives an alias (or x itself, for setitem)."""
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_real > x._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x._data.ndim}")
    if key.count(Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    expanded: list = []
    for k in key:
        if k is Ellipsis:
            expanded.extend([slice(None)] * (x._data.ndim - n_real))
        else:
            expanded.append(k)
    out, dim, touched = x, 0, False
    for k in expanded:
        if k is None:
            out = views.unsqueeze(out, dim)
            dim += 1
            touched = True
        elif isinstance(k, int):
            size = out._data.shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            out = views.select(out, dim, k)
            touched = True
        else:
            size = out._data.shape[dim]
            if k != slice(None) and slice(*k.indices(size)) != slice(0, size, 1):
                out = views.slice_dim(out, dim, k.start, k.stop, k.step)
                touched = True
            elif k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            dim += 1
    if touched:
        return out
    return views.alias(x) if alias else x


class IndexBackward0(Node):
    __slots__ = ("key", "shape")
    saved = ("key",)

    def apply(self, grads: list) -> tuple:
        return (embed(grads[0], self.shape, unpack(self.key, self)),)


def _advanced(x: Tensor, key: tuple) -> Tensor:
    try:
        data = x._data[key]
    except IndexError as e:
        raise IndexError(str(e)) from None
    out = result(np.array(data, copy=True), x.dtype)
    if state.recording and x._rg:
        node = IndexBackward0((edge(x),))
        node.shape = x._data.shape
        node.key = key
        attach(out, node)
    return out


class EmbedBackward0(Node):
    """Gradient of `embed`: the part of the gradient at the embedded places."""

    __slots__ = ("flat", "key")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        if self.flat:  # embed_by_view's key holds positions in the flattened base
            g = g.reshape(-1)
        return (getitem(g, self.key),)


def embed(g: Tensor, shape: tuple, key: Any) -> Tensor:
    """Zeros of `shape` with g added at `key` (repeated indices accumulate): the backward of indexing."""
    data = np.zeros(shape, dtype=g._data.dtype)
    if isinstance(key, tuple) and all(_is_basic(k) for k in key):
        data[key] += g._data
    else:
        np.add.at(data, key, g._data)
    out = result(data, g.dtype)
    if state.recording and g._rg:
        node = EmbedBackward0((edge(g),))
        node.key = key
        node.flat = False
        attach(out, node)
    return out


def embed_by_view(g: Tensor, base_shape: tuple, view_fn: Callable) -> Tensor:
    """Zeros of the base's shape with g written where `view_fn` puts the view."""
    positions = Tensor._wrap(np.arange(int(np.prod(base_shape)), dtype=np.int64).reshape(base_shape), dtypes.int64)
    with _no_record():
        idx = view_fn(positions)._data
    data = np.zeros(int(np.prod(base_shape)), dtype=g._data.dtype)
    np.add.at(data, idx.reshape(-1), g._data.reshape(-1))
    out = result(data.reshape(base_shape), g.dtype)
    if state.recording and g._rg:
        node = EmbedBackward0((edge(g),))
        node.key = (idx,)
        node.flat = True
        attach(out, node)
    return out


class _no_record:
    def __enter__(self) -> None:
        self.ctx = no_grad()
        self.ctx.__enter__()

    def __exit__(self, *exc: object) -> None:
        self.ctx.__exit__(*exc)


# ----- gather family ------------------------------------------------------------------------------

class GatherBackward0(Node):
    __slots__ = ("dim", "index", "shape")
    saved = ("index",)

    def apply(self, grads: list) -> tuple:
        index = unpack(self.index, self)._data
        if not self.shape:
            return (grads[0].reshape(()),)
        if index.size == 0:
            return (grads[0].new_zeros(self.shape),)
        key = _gather_key(index, self.dim)
        return (embed(grads[0], self.shape, key),)


def _gather_key(index: np.ndarray, dim: int) -> tuple:
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


@op("gather", out=True)
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    if sparse_grad:
        raise unsupported("torch.gather(sparse_grad=True)")
    d = dim % max(input._data.ndim, 1)
    data = input._data if input._data.ndim else input._data.reshape(1)
    idx = index._data if index._data.ndim else index._data.reshape(1)
    # PyTorch lets the index be smaller than the input along the other dims
    region = tuple(slice(None) if i == d else slice(0, n) for i, n in enumerate(idx.shape))
    if idx.size == 0:
        taken = np.zeros(index._data.shape, input._data.dtype)
    else:
        taken = np.take_along_axis(data[region], idx, axis=d).reshape(index._data.shape)
    out = result(taken, input.dtype)
    if state.recording and input._rg:
        node = GatherBackward0((edge(input),))
        node.shape, node.dim, node.index = input._data.shape, d, save(index)
        attach(out, node)
    return out


class IndexSelectBackward0(Node):
    __slots__ = ("dim", "index", "shape")
    saved = ("index",)

    def apply(self, grads: list) -> tuple:
        if not self.shape:  # a 0-d input was selected once (index_select allows no more)
            return (grads[0],)
        key = (slice(None),) * self.dim + (unpack(self.index, self)._data,)
        return (embed(grads[0], self.shape, key),)


@op("index_select", out=True)
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    d = dim % max(input._data.ndim, 1)
    if input._data.ndim == 0:  # a 0-d input is a one-element axis, and the result stays 0-d
        if index._data.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index._data.size} value(s)")
        data = np.take(input._data.reshape(1), index._data.reshape(-1), axis=0).reshape(())
    else:
        data = np.take(input._data, index._data, axis=d)
    out = result(data, input.dtype)
    if state.recording and input._rg:
        node = IndexSelectBackward0((edge(input),))
        node.shape, node.dim, node.index = input._data.shape, d, save(index)
        attach(out, node)
    return out


class MaskedFillBackward0(Node):
    __slots__ = ("mask", "shape")
    saved = ("mask",)

    def apply(self, grads: list) -> tuple:
        mask = unpack(self.mask, self)
        return (sum_to(where(mask, 0.0, grads[0]), self.shape),)


class MaskedFillBackward1(MaskedFillBackward0):
    """masked_fill with a 0-d tensor value: the value's gradient is the sum of the filled places'."""

    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        mask = unpack(self.mask, self)
        (fi, _), (fv, _) = self.next_functions
        g = grads[0]
        gi = sum_to(where(mask, 0.0, g), self.shape) if fi is not None else None
        gv = where(mask, g, 0.0).sum() if fv is not None else None
        return gi, gv


@op("masked_fill", inplace=True)
def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    is_tensor = isinstance(value, Tensor)
    v = value._data if is_tensor else value
    out = result(np.where(mask._data, v, input._data), input.dtype)
    if state.recording and (input._rg or is_tensor and value._rg):
        node = MaskedFillBackward1((edge(input), edge(value))) if is_tensor else MaskedFillBackward0((edge(input),))
        node.mask, node.shape = save(mask), input._data.shape  # a larger mask broadcasts the input
        attach(out, node)
    return out


@op("nonzero", out=True)
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    if input._data.ndim == 0:  # PyTorch treats a 0-d input as one element of no dimensions
        count = int(bool(input._data))
        if as_tuple:
            return (Tensor._wrap(np.zeros(count, np.int64), dtypes.int64),)
        return Tensor._wrap(np.zeros((count, 0), np.int64), dtypes.int64)
    idx = np.nonzero(input._data)
    if as_tuple:
        return tuple(Tensor._wrap(np.asarray(i, dtype=np.int64), dtypes.int64) for i in idx)
    return Tensor._wrap(np.stack(idx, axis=1).astype(np.int64) if idx else np.zeros((0, 0), np.int64),
                        dtypes.int64)
