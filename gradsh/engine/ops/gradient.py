"""torch.gradient: central differences inside, one-sided ones at the edges, composed as ATen composes them.

ATen builds each direction's result from slices and arithmetic (ReduceOps.cpp, gradient_helper and
gradient_helper_float) and joins the edges with cat, so the nodes (CatBackward0, DivBackward0, ...)
and float32 roundings are PyTorch's. `spacing` is a number, a list of numbers (one per dim) or a list
of 1-D coordinate tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..registry import op
from ..tensor import Tensor, _wrap_dim
from .aten import div_scalar, mul_scalar
from .aten_internal import aten_slice as _slice
from .joining import cat


def _check(input: Tensor, spacing_size: int | None, dim: Sequence[int] | None, edge_order: int) -> None:
    if input.dtype.name == "uint8":
        raise RuntimeError("torch.gradient does not support uint8 input.")
    ndim = input._data.ndim
    if spacing_size is not None and dim is None and spacing_size != ndim:
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal to "
            f"'self.dim() = {ndim}', since dim argument was not given, but got a list of length {spacing_size}")
    if spacing_size is not None and dim is not None and spacing_size != len(dim):
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim arguments to have "
            f"the same length, but got a spacing argument of length {spacing_size} and a dim argument of length "
            f"{len(dim)}.")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    seen = set()
    for d in dim if dim is not None else range(ndim):
        w = _wrap_dim(d, max(ndim, 1))
        if w in seen:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        seen.add(w)
        if input._data.shape[w] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")


def _by_step(x: Tensor, d: int, dx: Any, edge_order: int) -> Tensor:
    """One direction with a uniform step dx (gradient_helper_float). The step and the constants are
    C++ Scalars there: the Scalar overloads (MulBackward1, DivBackward1) are the nodes."""
    def s(lo: int, hi: int | None = None) -> Tensor:
        return _slice(x, d, lo, hi)

    center = div_scalar(s(2) - s(0, -2), dx)
    if edge_order == 1:
        first = div_scalar(s(1, 2) - s(0, 1), dx)
        last = div_scalar(s(-1) - s(-2, -1), dx)
    else:
        first = div_scalar(mul_scalar(s(0, 1), -1.5) + mul_scalar(s(1, 2), 2) - mul_scalar(s(2, 3), 0.5), dx)
        last = div_scalar(mul_scalar(s(-3, -2), 0.5) - mul_scalar(s(-2, -1), 2) + mul_scalar(s(-1), 1.5), dx)
    return cat([first, div_scalar(center, 2), last], d)


def _by_coordinates(x: Tensor, d: int, coordinates: Tensor, edge_order: int) -> Tensor:
    """One direction sampled at the given coordinates (gradient_helper)."""
    if coordinates._data.ndim != 1:
        raise RuntimeError("torch.gradient expected each element of spacing to have one dimension, but got an "
                           f"element with {coordinates._data.ndim} dimensions!")
    shape = [1] * x._data.ndim
    shape[d] = -1
    h = coordinates.diff(1, 0)
    h1, h2 = _slice(h, 0, 0, -1), _slice(h, 0, 1)
    a = (-h2 / (h1 * (h1 + h2))).reshape(shape)
    b = ((h2 - h1) / (h1 * h2)).reshape(shape)
    c = (h1 / (h2 * (h1 + h2))).reshape(shape)
    center = a * _slice(x, d, 0, -2) + b * _slice(x, d, 1, -1) + c * _slice(x, d, 2)
    if edge_order == 1:
        first = (_slice(x, d, 1, 2) - _slice(x, d, 0, 1)) / h[0]
        last = (_slice(x, d, -1) - _slice(x, d, -2, -1)) / h[-1]
    else:
        a = -(2.0 * h[0] + h[1]) / (h[0] * (h[0] + h[1]))
        b = (h[0] + h[1]) / (h[0] * h[1])
        c = (-h[0]) / (h[1] * (h[0] + h[1]))
        first = a * _slice(x, d, 0, 1) + b * _slice(x, d, 1, 2) + c * _slice(x, d, 2, 3)
        a = (h[-1]) / (h[-2] * (h[-1] + h[-2]))
        b = -(h[-1] + h[-2]) / (h[-1] * h[-2])
        c = (2 * h[-1] + h[-2]) / (h[-1] * (h[-1] + h[-2]))
        last = a * _slice(x, d, -3, -2) + b * _slice(x, d, -2, -1) + c * _slice(x, d, -1)
    return cat([first, center, last], d)


@op("gradient", method=False)
def gradient(input: Tensor, *, spacing: Any = None, dim: Any = None, edge_order: int = 1) -> tuple:
    dims = list(range(input._data.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    given_dims = None if dim is None else dims
    if isinstance(spacing, (list, tuple)):
        steps = list(spacing)
        _check(input, len(steps), given_dims, edge_order)
    else:
        steps = [1.0 if spacing is None else spacing] * len(dims)
        _check(input, None if spacing is None else len(steps), given_dims, edge_order)
    out = []
    for d, step in zip(dims, steps):
        w = _wrap_dim(d, max(input._data.ndim, 1))
        if isinstance(step, Tensor):
            out.append(_by_coordinates(input, w, step, edge_order))
        else:
            out.append(_by_step(input, w, step, edge_order))
    return tuple(out)
