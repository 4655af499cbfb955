"""torch.histogramdd: the D-dimensional histogram of the rows of an (N, D) input.

Per dimension, the bin edges and each element's bin are found as torch.histogram finds them (edges by
PyTorch's linspace in the input's dtype; a value on the last edge goes into the last bin); an element
counts when it is inside every dimension's range.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import op
from ..tensor import Tensor
from ._core import result
from .formula_node import structured
from .statistics import _linspace


def _edges(column: np.ndarray, bins: Any, lo_hi: tuple | None) -> np.ndarray:
    if isinstance(bins, Tensor):
        return bins._data.astype(column.dtype, copy=False)
    if lo_hi is not None:
        lo, hi = float(lo_hi[0]), float(lo_hi[1])
    elif column.size:
        lo, hi = float(column.min()), float(column.max())
    else:
        lo, hi = 0.0, 0.0
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return _linspace(lo, hi, int(bins) + 1, column.dtype)


@op("histogramdd", method=False)
def histogramdd(input: Tensor, bins: Any = 10, range: Any = None, weight: Tensor | None = None,
                density: bool = False) -> Any:
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"\"histogramdd\" not implemented for '{input.dtype.scalar_name}'")
    data = input._data
    n_dims = data.shape[-1]
    rows = data.reshape(-1, n_dims)
    per_dim = list(bins) if isinstance(bins, (list, tuple)) else [bins] * n_dims
    if len(per_dim) != n_dims:
        raise RuntimeError(f"torch.histogramdd: expected {n_dims} sequences of bin edges for each dimension, but "
                           f"got {len(per_dim)} sequences")
    ranges = None if range is None else [tuple(range[2 * i : 2 * i + 2]) for i in np.arange(n_dims)]
    edges = [_edges(rows[:, i], per_dim[i], None if ranges is None else ranges[i]) for i in np.arange(n_dims)]
    counts = [e.size - 1 for e in edges]
    inside = np.ones(rows.shape[0], bool)
    for i, e in enumerate(edges):
        inside &= (rows[:, i] >= e[0]) & (rows[:, i] <= e[-1])
    picked = rows[inside]
    index = [np.minimum(np.searchsorted(e, picked[:, i], side="right") - 1, counts[i] - 1)
             for i, e in enumerate(edges)]
    flat = np.ravel_multi_index(index, counts) if picked.size else np.zeros(0, np.int64)
    w = None if weight is None else weight._data.reshape(-1)[inside].astype(np.float64)
    hist = np.bincount(flat, weights=w, minlength=int(np.prod(counts))).astype(np.float64).reshape(counts)
    if density:
        hist = hist / hist.sum()
        for i, e in enumerate(edges):
            shape = [1] * n_dims
            shape[i] = -1
            hist = hist / np.diff(e.astype(np.float64)).reshape(shape)
    dt = input.dtype
    bin_edges = tuple(result(e.copy(), dt) for e in edges)
    return structured("histogramdd", ("hist", "bin_edges"), (result(hist.astype(data.dtype), dt), bin_edges))
