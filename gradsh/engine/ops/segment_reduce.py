"""torch.segment_reduce (aten::_segment_reduce): reduce consecutive segments of `data` along `axis`.

Segments are given by `lengths` or by `offsets` (1-D). Each segment starts from `initial` when given
(else the reduction's identity); an empty mean without `initial` is nan, and a mean divides the total
(initial included) by the segment's length. SegmentReduceBackward0 spreads the gradient as ATen's
_segment_reduce_backward does: equally among the elements equal to a max/min, by the length for a
mean, by output/element for a product (the product of the others where an element is 0). Its
gradient is computed in numpy: like PyTorch's, it is not differentiable again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor, _wrap_dim
from ._core import attach, result

_IDENTITY = {"sum": 0.0, "mean": 0.0, "prod": 1.0, "max": -math.inf, "min": math.inf}
_REDUCE = {"sum": np.add, "mean": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}


def _bounds(lengths: Tensor | None, offsets: Tensor | None) -> np.ndarray:
    """The segments' start offsets, with the end appended."""
    if offsets is not None:
        return offsets._data.astype(np.int64).reshape(-1)
    if lengths is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined")
    return np.concatenate([[0], np.cumsum(lengths._data.astype(np.int64).reshape(-1))])


class SegmentReduceBackward0(Node):
    __slots__ = ("axis", "bounds", "data", "initial", "out", "reduce")

    def apply(self, grads: list) -> tuple:
        g = np.moveaxis(grads[0]._data, self.axis, 0)
        x, y = self.data, self.out
        gx = np.zeros_like(x)
        for s in range(len(self.bounds) - 1):
            lo, hi = self.bounds[s], self.bounds[s + 1]
            if hi == lo:
                continue
            seg, gs, ys = x[lo:hi], g[s], y[s]
            if self.reduce == "sum":
                gx[lo:hi] = gs
            elif self.reduce == "mean":
                gx[lo:hi] = gs / (hi - lo)
            elif self.reduce in ("max", "min"):
                hit = seg == ys
                gx[lo:hi] = np.where(hit, gs / np.maximum(hit.sum(axis=0), 1), 0)
            else:
                zero = seg == 0
                others = np.array([np.prod(np.delete(seg, k, axis=0), axis=0) for k in range(hi - lo)])
                if self.initial is not None:
                    others = others * self.initial
                with np.errstate(divide="ignore", invalid="ignore"):
                    gx[lo:hi] = np.where(zero, gs * others, gs * ys / seg)
        grad = Tensor._wrap(np.moveaxis(gx, 0, self.axis), grads[0].dtype)
        return (grad,)


@op("segment_reduce", aliases=("_segment_reduce",), method=False)
def segment_reduce(data: Tensor, reduce: str, *, lengths: Tensor | None = None, indices: Tensor | None = None,
                   offsets: Tensor | None = None, axis: int = 0, unsafe: bool = False, initial: Any = None) -> Tensor:
    if reduce not in _REDUCE:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if indices is not None:
        raise NotImplementedError("segment_reduce(): indices based reduction is not supported yet.")
    ax = _wrap_dim(axis, max(data._data.ndim, 1))
    given, which = (lengths, "lengths") if lengths is not None else (offsets, "offsets")
    if given is not None and ax != given._data.ndim - 1:
        raise RuntimeError(f"segment_reduce(): Expected axis to be the last dimension of {which} but got {ax}.")
    bounds = _bounds(lengths, offsets)
    x = np.moveaxis(data._data, ax, 0)
    if not unsafe and bounds[-1] != x.shape[0]:
        raise RuntimeError("segment_reduce(): Expected all rows of lengths along axis to sum to data.size(lengths.dim()-1) when !unsafe.")
    start = _IDENTITY[reduce] if initial is None else float(initial)
    out = np.empty((len(bounds) - 1, *x.shape[1:]), x.dtype)
    for s in range(len(bounds) - 1):
        seg = x[bounds[s] : bounds[s + 1]]
        value = _REDUCE[reduce].reduce(np.concatenate([np.full((1, *x.shape[1:]), start, x.dtype), seg]), axis=0)
        if reduce == "mean":
            n = len(seg)
            value = value / n if n else (value if initial is not None else np.full_like(value, np.nan))
        out[s] = value
    res = result(np.moveaxis(out, 0, ax), data.dtype)
    if state.recording and data._rg:
        node = SegmentReduceBackward0((edge(data),))
        node.axis, node.bounds, node.reduce = ax, bounds, reduce
        node.data, node.out = x, out
        node.initial = None if initial is None else float(initial)
        attach(res, node)
    return res
