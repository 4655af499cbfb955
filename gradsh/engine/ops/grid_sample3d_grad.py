"""grid_sampler_3d's float32 gradients in PyTorch's order (trilinear, zeros padding).

GridSampler.cpp's CPU backward walks the grid positions and, for each, sums over the channels and the
eight corners in order, each corner's three terms `val * w1 * w2 * gOut` multiplied left to right and
added to (or subtracted from) float32 accumulators, which are then scaled by the unnormalisation's
derivative. The composition that grid_sample.py differentiates sums the same terms in another order,
which in float32 can leave the last bits (and now and then the tolerance) behind; this module makes
the same float32 operations in the same order, vectorised over the positions. The input's gradient is
each corner's weight (x, y and z factors multiplied in that order) times gOut, added into the input's
gradient position after position.
"""

from __future__ import annotations

import numpy as np

_F32 = np.float32
# corners in PyTorch's order (tnw, tne, tsw, tse, bnw, bne, bsw, bse): offsets (dz, dy, dx) from the floor
_CORNERS = [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1), (1, 0, 0), (1, 0, 1), (1, 1, 0), (1, 1, 1)]


def _unnormalize(coord: np.ndarray, size: int, align_corners: bool) -> tuple[np.ndarray, np.float32]:
    """grid_sampler_unnormalize_set_grad in float32: the source position and its derivative."""
    one, two = _F32(1), _F32(2)
    if align_corners:
        return (coord + one) / two * _F32(size - 1), _F32(size - 1) / two
    return ((coord + one) * _F32(size) - one) / two, _F32(size) / two


def _corners(input_shape: tuple, grid: np.ndarray, align_corners: bool) -> tuple:
    """The source positions' derivatives and, per corner in PyTorch's order: inside, flat index, offsets, factors."""
    _, _, d, h, w = input_shape
    ix, gx_mult = _unnormalize(grid[..., 0], w, align_corners)
    iy, gy_mult = _unnormalize(grid[..., 1], h, align_corners)
    iz, gz_mult = _unnormalize(grid[..., 2], d, align_corners)
    x0, y0, z0 = (np.floor(v).astype(np.int64) for v in (ix, iy, iz))
    # the distances PyTorch forms from the integer corners (an int64 converted to float, then subtracted)
    to_high = [(x0 + 1).astype(_F32) - ix, (y0 + 1).astype(_F32) - iy, (z0 + 1).astype(_F32) - iz]
    from_low = [ix - x0.astype(_F32), iy - y0.astype(_F32), iz - z0.astype(_F32)]
    corners = []
    for dz, dy, dx in _CORNERS:
        zz, yy, xx = z0 + dz, y0 + dy, x0 + dx
        inside = (zz >= 0) & (zz < d) & (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        index = (np.clip(zz, 0, d - 1) * h + np.clip(yy, 0, h - 1)) * w + np.clip(xx, 0, w - 1)
        # each axis's factor: the distance to the opposite corner along it (t/b, n/s, w/e as PyTorch names them)
        fx = from_low[0] if dx else to_high[0]
        fy = from_low[1] if dy else to_high[1]
        fz = from_low[2] if dz else to_high[2]
        corners.append((inside, index, (dx, dy, dz), fx, fy, fz))
    return (gx_mult, gy_mult, gz_mult), corners


def grid_grad(input: np.ndarray, grid: np.ndarray, grad_out: np.ndarray, align_corners: bool) -> np.ndarray:
    """d(loss)/d(grid) for grid_sampler_3d(input, grid, bilinear, zeros, align_corners), float32 arrays."""
    n, c = input.shape[:2]
    (gx_mult, gy_mult, gz_mult), corners = _corners(input.shape, grid, align_corners)
    batch = np.arange(n).reshape(n, 1, 1, 1)
    flat = input.reshape(n, c, -1)
    go = np.moveaxis(grad_out, 1, -1)  # (N, D', H', W', C)
    gix = np.zeros(grid.shape[:-1], _F32)
    giy = np.zeros(grid.shape[:-1], _F32)
    giz = np.zeros(grid.shape[:-1], _F32)
    for ch in range(c):
        g = go[..., ch]
        values = flat[:, ch]
        for inside, index, (dx, dy, dz), fx, fy, fz in corners:
            val = np.where(inside, values[batch, index], _F32(0))
            # x's term: val * fy * fz * gOut, signed by the corner's side (low side subtracts)
            tx = val * fy * fz * g
            ty = val * fx * fz * g
            tz = val * fx * fy * g
            gix = np.where(inside, gix + tx if dx else gix - tx, gix)
            giy = np.where(inside, giy + ty if dy else giy - ty, giy)
            giz = np.where(inside, giz + tz if dz else giz - tz, giz)
    return np.stack([gx_mult * gix, gy_mult * giy, gz_mult * giz], -1)


def input_grad(input_shape: tuple, grid: np.ndarray, grad_out: np.ndarray, align_corners: bool) -> np.ndarray:
    """d(loss)/d(input): safe_add_3d of weight * gOut, position after position, channel, corner in order."""
    n, c = input_shape[:2]
    size = int(np.prod(input_shape[2:]))
    _, corners = _corners(input_shape, grid, align_corners)
    positions = int(np.prod(grid.shape[1:-1]))
    index = np.stack([np.where(inside, idx, size) for inside, idx, *_ in corners], -1).reshape(n, 1, positions, 8)
    weight = np.stack([fx * fy * fz for _, _, _, fx, fy, fz in corners], -1).reshape(n, 1, positions, 8)
    terms = weight * grad_out.reshape(n, c, positions, 1)  # (N, C, P, 8): tnw * gOut, ...
    out = np.zeros((n, c, size + 1), _F32)  # the last element takes the corners outside the input
    shape = terms.shape
    # np.add.at adds in index order, one float32 add each: per (n, c), position-major and corner-minor
    np.add.at(out, (np.arange(n).reshape(n, 1, 1, 1), np.arange(c).reshape(1, c, 1, 1),
                    np.broadcast_to(index, shape)), terms)
    return out[:, :, :size].reshape(input_shape)
