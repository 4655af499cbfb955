"""Joining and repeating: cat, stack, repeat."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor, _wrap_dim
from ._core import attach, result
from .views import slice_dim, unbind


def _common_dtype(ts: list) -> dtypes.dtype:
    dt = ts[0].dtype
    for t in ts[1:]:
        dt = dtypes.promote_types(dt, t.dtype)
    return dt


class CatBackward0(Node):
    __slots__ = ("dim", "metas", "sizes")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        out, lo = [], 0
        for (fn, _), n, (shape, dt) in zip(self.next_functions, self.sizes, self.metas):
            piece = None
            if fn is not None:
                if shape == (0,):  # a legacy empty tensor cat skipped: its gradient is empty too, whatever dim
                    piece = g.new_zeros((0,))
                else:
                    piece = g.reshape(shape) if not shape else slice_dim(g, self.dim, lo, lo + n, 1)
                if piece.dtype is not dt:
                    piece = piece.to(dt)
            out.append(piece)
            lo += n
        return tuple(out)


@op("cat", out=True, aliases=("concat", "concatenate"), method=False)
def cat(tensors: Any, dim: int = 0) -> Tensor:
    ts = list(tensors)
    if not ts:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    dt = _common_dtype(ts)
    # legacy rule: 1-D empty tensors are skipped
    live = [t for t in ts if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or ts[:1]
    nd = live[0]._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _wrap_dim(dim, nd)
    out = result(np.concatenate([t._data.astype(dt.np, copy=False) for t in live], axis=d), dt)
    if state.recording and any(t._rg for t in ts):
        node = CatBackward0(tuple(edge(t) for t in ts))
        node.dim = d
        node.sizes = [t._data.shape[d] if t._data.ndim > d else 0 for t in ts]
        node.metas = [(t._data.shape, t.dtype) for t in ts]
        attach(out, node)
    return out


concat = concatenate = cat


class StackBackward0(Node):
    __slots__ = ("dim", "dtypes")

    def apply(self, grads: list) -> tuple:
        pieces = unbind(grads[0], self.dim)
        return tuple(p if fn is not None and p.dtype is dt else (p.to(dt) if fn is not None else None)
                     for (fn, _), p, dt in zip(self.next_functions, pieces, self.dtypes))


@op("stack", out=True, method=False)
def stack(tensors: Any, dim: int = 0) -> Tensor:
    ts = list(tensors)
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = ts[0]._data.shape
    for i, t in enumerate(ts[1:], 1):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t._data.shape)} at entry {i}"
            )
    dt = _common_dtype(ts)
    d = _wrap_dim(dim, len(shape) + 1)
    out = result(np.stack([t._data.astype(dt.np, copy=False) for t in ts], axis=d), dt)
    if state.recording and any(t._rg for t in ts):
        node = StackBackward0(tuple(edge(t) for t in ts))
        node.dim = d
        node.dtypes = [t.dtype for t in ts]
        attach(out, node)
    return out


class RepeatBackward0(Node):
    __slots__ = ("repeats", "shape")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        shape, reps = self.shape, self.repeats
        lead = len(reps) - len(shape)
        full = (1,) * lead + tuple(shape)
        # split every dim into (repeat, size) and sum over the repeats
        split_shape = []
        for r, s in zip(reps, full):
            split_shape += [r, s]
        g = g.reshape(split_shape).sum(dim=tuple(range(0, 2 * len(reps), 2)))
        return (g.reshape(shape),)


@op("repeat", function=False)
def repeat(input: Tensor, *repeats: Any) -> Tensor:
    if len(repeats) == 1 and isinstance(repeats[0], (tuple, list)):
        repeats = tuple(repeats[0])
    if len(repeats) < input._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    out = result(np.tile(input._data, repeats), input.dtype)
    if state.recording and input._rg:
        node = RepeatBackward0((edge(input),))
        node.shape, node.repeats = input._data.shape, tuple(repeats)
        attach(out, node)
    return out
