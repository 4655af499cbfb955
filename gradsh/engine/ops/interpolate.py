"""F.interpolate (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area) and F.upsample_*.

Every mode but area is separable: along each spatial dimension the output is a fixed (out x in) matrix
times the input, built from ATen's source-index rules (UpSample.h: area_pixel_compute_source_index,
nearest_idx, the cubic convolution with A = -0.75), with the scale computed in the kernel's float
precision so the same source pixels are picked. The forward applies the matrices in double; the
backward applies their transposes with matmul (so create_graph works). Area is adaptive average
pooling, as in PyTorch.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result
from .aten import OVERLOADS
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

_CUBIC_A = -0.75


def _scale(in_size: int, out_size: int, scale: float | None, align_corners: bool, ct: Any = np.float32) -> Any:
    """area_pixel_compute_scale / compute_scales_value, in the kernel's type (float, double for double)."""
    if align_corners:
        return ct((in_size - 1) / (out_size - 1)) if out_size > 1 else ct(0)
    if scale is not None and scale > 0:
        return ct(1.0 / scale)
    return ct(in_size / out_size)


def _nearest_matrix(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    dst = np.arange(n_out, dtype=np.float32)
    if n_out == n_in and not exact:
        src = np.arange(n_out)
    elif n_out == 2 * n_in and not exact:
        src = np.arange(n_out) >> 1
    else:
        s = _scale(n_in, n_out, scale, False)
        pos = (dst + np.float32(0.5)) * s if exact else dst * s
        src = np.minimum(np.floor(pos).astype(np.int64), n_in - 1)
    m = np.zeros((n_out, n_in))
    m[np.arange(n_out), src] = 1.0
    return m


def _linear_matrix(n_in: int, n_out: int, scale: float | None, align_corners: bool, ct: Any) -> np.ndarray:
    s = _scale(n_in, n_out, scale, align_corners, ct)
    dst = np.arange(n_out, dtype=ct)
    src = s * dst if align_corners else np.maximum(s * (dst + ct(0.5)) - ct(0.5), ct(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = i0 + (i0 < n_in - 1)
    lam = (src - i0).astype(np.float64)
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), i0), 1 - lam)
    np.add.at(m, (np.arange(n_out), i1), lam)
    return m


def _cubic_weights(t: np.ndarray) -> list[np.ndarray]:
    a = _CUBIC_A

    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _cubic_matrix(n_in: int, n_out: int, scale: float | None, align_corners: bool, ct: Any) -> np.ndarray:
    s = _scale(n_in, n_out, scale, align_corners, ct)
    dst = np.arange(n_out, dtype=ct)
    src = s * dst if align_corners else s * (dst + ct(0.5)) - ct(0.5)
    base = np.floor(src).astype(np.int64)
    t = (src - base).astype(np.float64)
    m = np.zeros((n_out, n_in))
    for k, w in enumerate(_cubic_weights(t)):
        np.add.at(m, (np.arange(n_out), np.clip(base - 1 + k, 0, n_in - 1)), w)
    return m


def _aa_filter(x: Any, bicubic: bool) -> Any:
    """PyTorch's antialias filters: the triangle, or Keys' cubic with a = -0.5 (PIL's)."""
    x = abs(x)
    if not bicubic:
        return 1.0 - x if x < 1.0 else 0.0
    a = -0.5
    if x < 1.0:
        return ((a + 2) * x - (a + 3)) * x * x + 1
    if x < 2.0:
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return 0.0


def _aa_matrix(n_in: int, n_out: int, scale: float | None, align_corners: bool, ct: Any, bicubic: bool) -> np.ndarray:
    """_compute_indices_min_size_weights_aa: a filter widened by the scale when downsampling, weights normalised."""
    interp_size = 4 if bicubic else 2
    sc = _scale(n_in, n_out, scale, align_corners, ct)
    support = ct(interp_size * 0.5 * sc) if sc >= 1.0 else ct(interp_size * 0.5)
    invscale = ct(1.0 / sc) if sc >= 1.0 else ct(1.0)
    max_size = int(np.ceil(float(support))) * 2 + 1
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        center = ct(float(sc) * (i + 0.5))
        xmin = max(int(float(center - support) + 0.5), 0)
        xsize = max(min(min(int(float(center + support) + 0.5), n_in) - xmin, max_size), 0)
        weights = [ct(_aa_filter(ct((float(ct(j + xmin) - center) + 0.5) * float(invscale)), bicubic))
                   for j in range(xsize)]
        total = ct(0.0)
        for w in weights:
            total = ct(total + w)
        for j, w in enumerate(weights):
            m[i, xmin + j] = float(ct(w / total)) if total != 0 else float(w)
    return m


class _UpsampleBackward(Node):
    __slots__ = ("mats",)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        nd = len(self.mats)
        for i, m in enumerate(self.mats):
            dim = g.dim() - nd + i
            g = g.movedim(dim, -1).matmul(Tensor._wrap(m.astype(g.dtype.np), g.dtype)).movedim(-1, dim)
        return (g,)


_NODES: dict[str, type] = {}


def _node(name: str) -> type:
    if name not in _NODES:
        _NODES[name] = type(name, (_UpsampleBackward,), {"__slots__": ()})
    return _NODES[name]


_KERNEL_NAMES = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear", "bilinear": "Bilinear",
                 "bicubic": "Bicubic", "trilinear": "Trilinear"}


def _separable(input: Tensor, mode: str, sizes: list[int], scales: list[float | None],
               align_corners: bool, antialias: bool = False) -> Tensor:
    x = input._data
    nd = len(sizes)
    data = x.astype(np.float64)
    ct = np.float64 if x.dtype == np.float64 else np.float32  # ATen's opmath type for the coordinates
    mats = []
    for i in range(nd):
        n_in = x.shape[x.ndim - nd + i]
        if antialias:
            m = _aa_matrix(n_in, sizes[i], scales[i], align_corners, ct, mode == "bicubic")
        elif mode in ("nearest", "nearest-exact"):
            m = _nearest_matrix(n_in, sizes[i], scales[i], mode == "nearest-exact")
        elif mode == "bicubic":
            m = _cubic_matrix(n_in, sizes[i], scales[i], align_corners, ct)
        else:
            m = _linear_matrix(n_in, sizes[i], scales[i], align_corners, ct)
        mats.append(m)
        axis = x.ndim - nd + i
        data = np.moveaxis(np.moveaxis(data, axis, -1) @ m.T, -1, axis)
    out = result(data, input.dtype)
    if state.recording and input._rg:
        node = _node(f"Upsample{_KERNEL_NAMES[mode]}{nd}D{'Aa' if antialias else ''}Backward0")((edge(input),))
        node.mats = mats
        attach(out, node)
    return out


_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


@op("interpolate", method=False, namespace="torch.nn.functional")
def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if dim < 1:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(input.shape[2:])} and output size of {list(size)}"
                                 f". Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 f"(o1, o2, ...,oK) format.")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
        scales: list[float | None] = [None] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of "
                                 f"shape {list(scale_factor)}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                                 f"format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        output_size = [math.floor(float(input.shape[i + 2]) * scales[i]) for i in range(dim)]
        if recompute_scale_factor:
            scales = [None] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if antialias and not (mode in ("bilinear", "bicubic") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1]
        return pool(input, output_size if dim > 1 else output_size[0])
    if mode in _MODE_DIMS:
        if _MODE_DIMS[mode] != dim:
            raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                      f"{_MODE_DIMS[mode] + 2}D input")
    elif mode not in ("nearest", "nearest-exact"):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    if any(s <= 0 for s in output_size):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(f'{d}: {s}' for d, s in zip('DHW'[-dim:], input.shape[2:]))}) output "
                           f"({', '.join(f'{d}: {s}' for d, s in zip('DHW'[-dim:], output_size))})")
    return _separable(input, mode, output_size, scales, bool(align_corners), antialias)


def _upsample_aa(mode: str) -> Any:
    def kernel(input: Tensor, output_size: Any, align_corners: bool, scale_factors: Any = None,
               scales_h: float | None = None, scales_w: float | None = None) -> Tensor:
        if scale_factors is not None:  # the .vec overload: (input, output_size, align_corners, scale_factors)
            scales_h, scales_w = scale_factors
        if output_size is None:
            output_size = [math.floor(input.shape[2 + i] * s) for i, s in enumerate((scales_h, scales_w))]
        return _separable(input, mode, [int(v) for v in output_size], [scales_h, scales_w], bool(align_corners),
                          True)

    return kernel


def _register_aa_kernels() -> None:
    for mode in ("bilinear", "bicubic"):
        kernel = _upsample_aa(mode)
        OVERLOADS[f"_upsample_{mode}2d_aa"] = {"Tensor": kernel, "vec": kernel}


_register_aa_kernels()


@op("upsample", method=False, namespace="torch.nn.functional")
def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


@op("upsample_nearest", method=False, namespace="torch.nn.functional")
def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


@op("upsample_bilinear", method=False, namespace="torch.nn.functional")
def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


__all__ = ["interpolate", "upsample", "upsample_bilinear", "upsample_nearest"]
