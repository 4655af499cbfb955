"""grid_sample and aten's grid_sampler_2d/3d: bilinear/trilinear, nearest and bicubic sampling.

PyTorch's GridSampler.cpp, step by step in the input's dtype: grid coordinates unnormalised to pixel
positions, then clipped (border) or reflected and clipped (reflection), corner values gathered (zero
outside the input for every padding mode) and weighted. Written with Tensor ops and recorded as one
node (GridSampler2DBackward0 / GridSampler3DBackward0) whose backward differentiates the same
composition: the input's gradient is the weights scattered back, the grid's the weights' derivatives.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..registry import op
from ..tensor import Tensor
from . import grid_sample3d_grad
from ._core import unpack
from .elementwise import where
from .joining import cat
from .recomputed_node import RecomputedNode, recomputed

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}
_CUBIC_A = -0.75


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _clip(coord: Tensor, size: int) -> Tensor:
    return coord.clamp(0, size - 1)


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    if twice_low == twice_high:
        return coord * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    distance = (coord - low).abs()
    extra = distance.fmod(span)
    flips = (distance.detach() / span).floor()
    even = (flips.fmod(2) == 0)
    return where(even, extra + low, (span - extra) + low)


def _pad_coordinates(coord: Tensor, size: int, padding_mode: int, align_corners: bool) -> Tensor:
    if padding_mode == 1:
        return _clip(coord, size)
    if padding_mode == 2:
        coord = _reflect(coord, 0, 2 * (size - 1)) if align_corners else _reflect(coord, -1, 2 * size - 1)
        return _clip(coord, size)
    return coord


def _source_index(coord: Tensor, size: int, padding_mode: int, align_corners: bool) -> Tensor:
    return _pad_coordinates(_unnormalize(coord, size, align_corners), size, padding_mode, align_corners)


def _gather(flat: Tensor, sizes: tuple, corner: list[np.ndarray]) -> Tensor:
    """Values at integer positions (one array per spatial dim, input order), zero outside the input.

    `flat` is the input as (N, C, S + 1), its last element a zero that every outside position reads.
    """
    inside = np.ones(corner[0].shape, dtype=bool)
    index = np.zeros(corner[0].shape, dtype=np.int64)
    for pos, size in zip(corner, sizes):
        inside &= (pos >= 0) & (pos < size)
        index = index * size + np.clip(pos, 0, size - 1).astype(np.int64)
    index[~inside] = flat.shape[2] - 1
    n, c = flat.shape[:2]
    idx = Tensor._wrap(np.ascontiguousarray(np.broadcast_to(index.reshape(n, 1, -1), (n, c, index[0].size))),
                       dtypes.int64)
    return flat.gather(2, idx).reshape(n, c, *corner[0].shape[1:])


def _positions(t: Tensor) -> np.ndarray:
    return t._data.astype(np.float64)


def _sample(input: Tensor, grid: Tensor, mode: int, padding_mode: int, align_corners: bool) -> Tensor:
    nd = input.dim() - 2
    sizes = tuple(input.shape[2:])  # (H, W) or (D, H, W)
    flat = input.reshape(input.shape[0], input.shape[1], -1)
    flat = cat([flat, flat.new_zeros((*flat.shape[:2], 1))], 2)  # the zero read outside the input
    # grid's last dim is (x, y[, z]): x indexes the last spatial dim
    coords = [grid[..., nd - 1 - d] for d in range(nd)]  # one per spatial dim, input order
    if mode == 2:
        return _bicubic(flat, sizes, coords, padding_mode, align_corners)
    src = [_source_index(coords[d], sizes[d], padding_mode, align_corners) for d in range(nd)]
    if mode == 1:
        corner = [np.round(_positions(s)) for s in src]  # nearbyint: half to even
        return _gather(flat, sizes, corner)
    low = [s.detach().floor() for s in src]
    out = None
    for bits in range(2 ** nd):
        high = [(bits >> (nd - 1 - d)) & 1 for d in range(nd)]
        weight = None
        for d in reversed(range(nd)):  # PyTorch multiplies the x factor first
            w = (src[d] - low[d]) if high[d] else (low[d] + 1 - src[d])
            weight = w if weight is None else weight * w
        corner = [_positions(low[d]) + high[d] for d in range(nd)]
        term = _gather(flat, sizes, corner) * weight.unsqueeze(1)
        out = term if out is None else out + term
    return out


def _cubic_coefficients(t: Tensor) -> list[Tensor]:
    a = _CUBIC_A

    def near(x: Tensor) -> Tensor:
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Tensor) -> Tensor:
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1.0), near(t), near(1.0 - t), far((1.0 - t) + 1.0)]


def _bicubic(flat: Tensor, sizes: tuple, coords: list[Tensor], padding_mode: int, align_corners: bool) -> Tensor:
    iy, ix = (_unnormalize(coords[d], sizes[d], align_corners) for d in range(2))
    iy0, ix0 = iy.detach().floor(), ix.detach().floor()
    ty, tx = iy - iy0, ix - ix0
    cx, cy = _cubic_coefficients(tx), _cubic_coefficients(ty)
    out = None
    for j in range(4):
        row = None
        for i in range(4):
            pos = []
            for base, offset, size in ((iy0, j - 1, sizes[0]), (ix0, i - 1, sizes[1])):
                c = _pad_coordinates(base + offset, size, padding_mode, align_corners)
                pos.append(np.trunc(_positions(c)))
            term = _gather(flat, sizes, pos) * cx[i].unsqueeze(1)
            row = term if row is None else row + term
        term = row * cy[j].unsqueeze(1)
        out = term if out is None else out + term
    return out


def _check(input: Tensor, grid: Tensor, mode: int, nd: int) -> None:
    if input.dim() != nd + 2 or grid.dim() != nd + 2:
        raise RuntimeError(f"grid_sampler(): expected {nd + 2}D input and grid with same number of dimensions, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != nd:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd} in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    if mode == 2 and nd != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")


def _grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool,
                  nd: int) -> Tensor:
    _check(input, grid, interpolation_mode, nd)
    compose = functools.partial(_sample_args, mode=interpolation_mode, padding_mode=padding_mode,
                                align_corners=bool(align_corners))
    return recomputed(f"GridSampler{nd}DBackward0", compose, (input, grid),
                      _GridSampler3DNode if nd == 3 else RecomputedNode)


class _GridSampler3DNode(RecomputedNode):
    """In a plain float32 backward of the trilinear, zero-padded form, both gradients in PyTorch's order."""

    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        result = super().apply(grads)
        g = grads[0]
        kw = self.compose.keywords
        if (g is None or state.grad_enabled or g.dtype is not dtypes.float32 or kw["mode"] != 0
                or kw["padding_mode"] != 0):
            return result
        input, grid = (unpack(t, self) for t in self.inputs)
        go, align = np.ascontiguousarray(g._data), kw["align_corners"]
        gi, gg = result
        if gi is not None:
            gi = Tensor._wrap(grid_sample3d_grad.input_grad(input._data.shape, grid._data, go, align), dtypes.float32)
        if gg is not None:
            gg = Tensor._wrap(grid_sample3d_grad.grid_grad(input._data, grid._data, go, align), dtypes.float32)
        return gi, gg


def _sample_args(input: Tensor, grid: Tensor, *, mode: int, padding_mode: int, align_corners: bool) -> Tensor:
    return _sample(input, grid, mode, padding_mode, align_corners)


@op("grid_sampler_2d", method=False)
def grid_sampler_2d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    return _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners, 2)


@op("grid_sampler_3d", method=False)
def grid_sampler_3d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    return _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners, 3)


@op("grid_sampler", method=False)
def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                 align_corners: bool) -> Tensor:
    nd = 3 if input.dim() == 5 else 2
    return _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners, nd)


@op("grid_sample", method=False, namespace="torch.nn.functional")
def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    if mode not in _MODES:
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", UserWarning, stacklevel=2)
        align_corners = False
    return grid_sampler(input, grid, _MODES[mode], _PADDINGS[padding_mode], align_corners)


__all__ = ["grid_sample", "grid_sampler", "grid_sampler_2d", "grid_sampler_3d"]
