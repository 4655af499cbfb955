"""Fractional max pooling (2-d and 3-d) as PyTorch's CPU kernels compute it.

Without `_random_samples` the functional draws `torch.rand(N, C, 2 or 3)` in the input's dtype (the
same draw as PyTorch, so seeded runs match). Each plane's window starts follow PyTorch's
generate_intervals in the input's dtype: start[i] = int((i + u) * alpha) - int(u * alpha), with
alpha = (in - pool) / (out - 1), the last start at in - pool. The 2-d kernel takes a plane's first
sample for the width and the second for the height; the 3-d kernel takes them in (time, height,
width) order. The maximum is the first in row-major order, a NaN replacing it; indices are flat
in the plane. The gradient goes back through the indices (FractionalMaxPool2DBackward0/3D).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..graph import edge
from ..registry import op
from ..tensor import Tensor
from . import pooling as P
from ._core import attach, result, save
from .random_ops import rand


class FractionalMaxPool2DBackward0(P._IndexedPoolBackward):
    __slots__ = ()


class FractionalMaxPool3DBackward0(P._IndexedPoolBackward):
    __slots__ = ()


_NAMES = {1: "time", 2: "height", 3: "width"}


def _intervals(samples: np.ndarray, size: int, out: int, pool: int, np_dtype: Any) -> np.ndarray:
    """Window starts (planes, out) for samples (planes,), in the samples' floating dtype."""
    starts = np.empty((samples.shape[0], out), dtype=np.int64)
    if out > 1:
        alpha = np_dtype.type(size - pool) / np_dtype.type(out - 1)
        i = np.arange(out - 1).astype(np_dtype)
        u = samples.astype(np_dtype)[:, None]
        starts[:, :-1] = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    if out > 0:
        starts[:, -1] = size - pool
    return starts


def _tuple(value: Any, n: int) -> tuple[int, ...]:
    return (int(value),) * n if isinstance(value, (int, np.integer)) else tuple(int(v) for v in value)


def _fractional_max_pool(input: Tensor, nd: int, kernel_size: Any, output_size: Any, samples: Tensor) -> tuple:
    x = input._data
    batched = x.ndim == nd + 2
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"fractional_max_pool{nd}d(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    pool, out = _tuple(kernel_size, nd), _tuple(output_size, nd)
    spatial = x.shape[-nd:]
    fn = "fractional_max_pool2d()" if nd == 2 else "fractional_max_pool3d_out()"
    for d in range(nd):
        if out[d] + pool[d] - 1 > spatial[d]:
            name = _NAMES[d + 4 - nd]
            raise RuntimeError(f"{fn}: pool {name} {pool[d]} too large relative to input {name} {spatial[d]}")
    planes = x.shape[-nd - 1]
    if samples.shape[1] != planes:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    xb = x if batched else x[None]
    n = xb.shape[0]
    u = samples._data[:n].reshape(-1, nd)  # (N * C, nd); an unbatched input reads the first batch
    # the 2-d kernel reads (width, height) from a plane's samples, the 3-d one (time, height, width)
    order = [1, 0] if nd == 2 else [0, 1, 2]
    starts = [_intervals(u[:, order[d]], spatial[d], out[d], pool[d], x.dtype) for d in range(nd)]
    flat = xb.reshape(n * planes, -1)
    # window element offsets in row-major order, and every output's window start (flat in the plane)
    strides = [math.prod(spatial[d + 1:]) for d in range(nd)]
    offsets = np.zeros(1, dtype=np.int64)
    for d in range(nd):
        offsets = (offsets[:, None] + np.arange(pool[d]) * strides[d]).reshape(-1)
    base = np.zeros((n * planes, *out), dtype=np.int64)
    for d in range(nd):
        shape = [n * planes] + [1] * nd
        shape[1 + d] = out[d]
        base = base + starts[d].reshape(shape) * strides[d]
    base = base.reshape(n * planes, -1)  # (planes, prod(out))
    positions = base[..., None] + offsets  # (planes, prod(out), prod(pool))
    windows = np.take_along_axis(flat, positions.reshape(n * planes, -1), 1).reshape(positions.shape)
    nan = np.isnan(windows)
    # first maximum, but the last NaN wins (PyTorch: `val > maxVal || isnan(val)` replaces)
    arg = np.where(nan.any(-1), pool_size_last_nan(nan), windows.argmax(-1))
    index = np.take_along_axis(positions, arg[..., None], -1)[..., 0]
    values = np.take_along_axis(windows, arg[..., None], -1)[..., 0]
    shape = (*xb.shape[:-nd], *out)
    res = result(values.reshape(shape if batched else shape[1:]), input.dtype)
    idx = index.reshape(shape if batched else shape[1:])
    if state.recording and input._rg:
        node = (FractionalMaxPool2DBackward0 if nd == 2 else FractionalMaxPool3DBackward0)((edge(input),))
        node.indices, node.shape, node.nd, node.x = idx, x.shape, nd, save(input)
        attach(res, node)
    return res, Tensor._wrap(idx, dtypes.int64)


def pool_size_last_nan(nan: np.ndarray) -> np.ndarray:
    return nan.shape[-1] - 1 - nan[..., ::-1].argmax(-1)


def _functional(input: Tensor, nd: int, kernel_size: Any, output_size: Any, output_ratio: Any,
                _random_samples: Tensor | None) -> tuple:
    if output_size is None and output_ratio is None:
        raise ValueError(f"fractional_max_pool{nd}d requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if nd == 2 and not isinstance(output_ratio, (int, float)) and len(output_ratio) > 2:
            raise ValueError("fractional_max_pool2d requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = (output_ratio,) * nd if isinstance(output_ratio, (int, float)) else tuple(output_ratio)
        output_size = [int(input.size(d - nd) * ratio[d]) for d in range(nd)]
    if _random_samples is None:
        n_batch = 1 if input.dim() == nd + 1 else input.size(0)
        _random_samples = rand(n_batch, input.size(-nd - 1), nd, dtype=input.dtype)
    return _fractional_max_pool(input, nd, kernel_size, output_size, _random_samples)


@op("fractional_max_pool2d_with_indices", method=False, namespace="torch.nn.functional")
def fractional_max_pool2d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None) -> tuple:
    return _functional(input, 2, kernel_size, output_size, output_ratio, _random_samples)


@op("fractional_max_pool3d_with_indices", method=False, namespace="torch.nn.functional")
def fractional_max_pool3d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None) -> tuple:
    return _functional(input, 3, kernel_size, output_size, output_ratio, _random_samples)


@op("fractional_max_pool2d", method=False, namespace="torch.nn.functional")
def fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None) -> Any:
    out, idx = _functional(input, 2, kernel_size, output_size, output_ratio, _random_samples)
    return (out, idx) if return_indices else out


@op("fractional_max_pool3d", method=False, namespace="torch.nn.functional")
def fractional_max_pool3d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None) -> Any:
    out, idx = _functional(input, 3, kernel_size, output_size, output_ratio, _random_samples)
    return (out, idx) if return_indices else out


__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]
