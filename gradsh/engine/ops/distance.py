"""Distances and rearrangements of torch.nn.functional: normalize, cosine_similarity, pairwise_distance,
the triplet losses, pixel_shuffle/pixel_unshuffle/channel_shuffle and max_unpool1d/2d/3d.

normalize, cosine_similarity and the triplet losses are compositions as in PyTorch; pairwise_distance is
at::norm over the last dimension (NormBackward1). The shuffles and max_unpool are single nodes whose
backward is the inverse rearrangement (a Tensor op, so create_graph works).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result, save, save_output, unpack
from .aten import add_scalar
from .elementwise import where
from .nn_functional import _check_reduction, _legacy_reduction


@op("normalize", method=False, namespace="torch.nn.functional")
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


@op("cosine_similarity", method=False)
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """ATen's cosine_similarity: each input divided by its (clamped) norm, then the sum of their product."""
    shape = np.broadcast_shapes(x1.shape, x2.shape)
    a, b = x1.expand(shape), x2.expand(shape)  # a tuple: expand(*()) of two 0-d inputs would name no size
    n1 = a.norm(2, dim, keepdim=True).clamp_min(eps)
    n2 = b.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((a / n1) * (b / n2)).sum(dim)


class NormBackward1(Node):
    __slots__ = ("dim", "keepdim", "out", "p", "x")
    saved = ("x", "out")

    def apply(self, grads: list) -> tuple:
        x, norm = unpack(self.x, self), unpack(self.out, self)
        g = grads[0]
        if not self.keepdim:
            g, norm = g.unsqueeze(self.dim), norm.unsqueeze(self.dim)
        p = self.p
        sign = x.sgn() if x.dtype.is_complex else x.sign()  # PyTorch's norm_backward takes sgn of a complex x
        if p == 2:
            scale = x / norm
        elif p == 1:
            scale = sign
        elif math.isinf(p):
            scale = sign * (x.abs() == norm) / (x.abs() == norm).sum(self.dim, keepdim=True)
        else:
            scale = sign * x.abs().pow(p - 1) / norm.pow(p - 1)
        return (g * where(norm == 0, 0.0, scale),)


def _norm(x: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    """at::norm(x, p, dim, keepdim) with PyTorch's node (NormBackward1)."""
    a = x._data.astype(np.complex128 if x.dtype.is_complex else np.float64)
    if math.isinf(p):
        data = np.abs(a).max(axis=dim, keepdims=keepdim) if a.shape[dim] else np.zeros(())
    elif p == 0:
        data = (a != 0).sum(axis=dim, keepdims=keepdim).astype(np.float64)
    else:
        data = (np.abs(a) ** p).sum(axis=dim, keepdims=keepdim) ** (1.0 / p)
    out = result(data.real if x.dtype.is_complex else data, x.dtype.to_real() if x.dtype.is_complex else x.dtype)
    if state.recording and x._rg:
        node = NormBackward1((edge(x),))
        node.x, node.p, node.dim, node.keepdim = save(x), p, dim % max(x.dim(), 1), keepdim
        node.out = save_output(out)  # the norm itself, which depends on x: its second derivative needs that
        attach(out, node)
    return out


@op("pairwise_distance", method=False)
def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    ndim = max(x1.dim(), x2.dim())
    diff = add_scalar(x1 - x2, eps)  # ATen adds a Scalar: AddBackward1
    if ndim == 0:
        return _norm(diff.reshape(1), p, 0, keepdim).reshape(())
    return _norm(diff, p, ndim - 1, keepdim)


def _check_triplet(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == p == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


@op("triplet_margin_loss", method=False, namespace="torch.nn.functional")
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_triplet(anchor, positive, negative)
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = dist_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + dist_pos - dist_neg).clamp_min(0), reduction)


@op("triplet_margin_with_distance_loss", method=False, namespace="torch.nn.functional")
def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Any = None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet(anchor, positive, negative)
    distance = distance_function or pairwise_distance
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = dist_neg.minimum(distance(positive, negative))
    return _reduce((margin + dist_pos - dist_neg).clamp_min(0), reduction)


class PdistBackward0(Node):
    __slots__ = ("p", "x")
    saved = ("x",)

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        n = x.shape[0]
        i, j = np.triu_indices(n, 1)
        ii, jj = Tensor._wrap(i.astype(np.int64), dtypes.int64), Tensor._wrap(j.astype(np.int64), dtypes.int64)
        diff = x.index_select(0, ii) - x.index_select(0, jj)
        p = self.p
        if p == 0:
            return (x * 0,)
        norm = _norm(diff, p, 1, True)
        if p == 2:
            scale = diff / norm
        elif p == 1:
            scale = diff.sign()
        elif math.isinf(p):
            scale = diff.sign() * (diff.abs() == norm)
        else:
            scale = diff.sign() * diff.abs().pow(p - 1) / norm.pow(p - 1)
        rows = grads[0].unsqueeze(1) * where(norm == 0, 0.0, scale)
        zeros = x.detach() * 0
        return (zeros.index_add(0, ii, rows).index_add(0, jj, -rows),)


@op("pdist", method=False)
def pdist(input: Tensor, p: float = 2) -> Tensor:
    x = input._data
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(x.shape[0], 1)
    d = np.abs(x[i].astype(np.float64) - x[j].astype(np.float64))
    if math.isinf(p):
        data = d.max(axis=1) if d.shape[1] else np.zeros(len(i))
    elif p == 0:
        data = (d != 0).sum(axis=1).astype(np.float64)
    else:
        data = (d ** p).sum(axis=1) ** (1.0 / p)
    out = result(data, input.dtype)
    if state.recording and input._rg:
        node = PdistBackward0((edge(input),))
        node.x, node.p = save(input), float(p)
        attach(out, node)
    return out


op("pdist", method=False, namespace="torch.nn.functional")(pdist)


# ----- rearrangements ---------------------------------------------------------------------------------------

def _pixel_shuffle_data(x: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = x.shape
    oc = c // (r * r)
    y = x.reshape(*lead, oc, r, r, h, w)
    n = len(lead)
    y = y.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return np.ascontiguousarray(y.reshape(*lead, oc, h * r, w * r))


def _pixel_unshuffle_data(x: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = x.shape
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    n = len(lead)
    y = y.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return np.ascontiguousarray(y.reshape(*lead, c * r * r, h // r, w // r))


class PixelShuffleBackward0(Node):
    __slots__ = ("r",)

    def apply(self, grads: list) -> tuple:
        return (pixel_unshuffle(grads[0], self.r),)


class PixelUnshuffleBackward0(Node):
    __slots__ = ("r",)

    def apply(self, grads: list) -> tuple:
        return (pixel_shuffle(grads[0], self.r),)


def _rearranged(input: Tensor, data: np.ndarray, node_cls: type, **attrs: Any) -> Tensor:
    out = result(data, input.dtype)
    if state.recording and input._rg:
        node = node_cls((edge(input),))
        for k, v in attrs.items():
            setattr(node, k, v)
        attach(out, node)
    return out


@op("pixel_shuffle", method=False)
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    x = input._data
    if x.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{x.ndim} dimension(s)")
    if upscale_factor <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {upscale_factor}")
    c = x.shape[-3]
    if c % (upscale_factor * upscale_factor):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by "
                           f"{upscale_factor * upscale_factor}")
    return _rearranged(input, _pixel_shuffle_data(x, upscale_factor), PixelShuffleBackward0, r=upscale_factor)


@op("pixel_unshuffle", method=False)
def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    x = input._data
    if x.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{x.ndim} dimension(s)")
    if downscale_factor <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {downscale_factor}")
    h, w = x.shape[-2:]
    if h % downscale_factor:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)="
                           f"{h} is not divisible by {downscale_factor}")
    if w % downscale_factor:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)="
                           f"{w} is not divisible by {downscale_factor}")
    return _rearranged(input, _pixel_unshuffle_data(x, downscale_factor), PixelUnshuffleBackward0, r=downscale_factor)


class ChannelShuffleBackward0(Node):
    __slots__ = ("groups",)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        return (channel_shuffle(g, g.shape[1] // self.groups),)


@op("channel_shuffle", method=False)
def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    x = input._data
    if x.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{x.ndim} dimension(s)")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = x.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    data = x.reshape(x.shape[0], groups, c // groups, *x.shape[2:]).swapaxes(1, 2).reshape(x.shape)
    return _rearranged(input, np.ascontiguousarray(data), ChannelShuffleBackward0, groups=groups)


for _name in ("pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "pairwise_distance", "cosine_similarity"):
    op(_name, method=False, namespace="torch.nn.functional")(globals()[_name])


# ----- max_unpool ---------------------------------------------------------------------------------------------

class _MaxUnpoolBackward(Node):
    __slots__ = ("indices", "nd", "shape")
    saved = ("indices",)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        idx = unpack(self.indices, self)
        lead = g.shape[: g.dim() - self.nd]
        flat = g.reshape(*lead, -1)
        return (flat.gather(-1, idx.reshape(*lead, -1)).reshape(self.shape),)


class MaxUnpool2DBackward0(_MaxUnpoolBackward):
    __slots__ = ()


class MaxUnpool3DBackward0(_MaxUnpoolBackward):
    __slots__ = ()


def _max_unpool(input: Tensor, indices: Tensor, nd: int, kernel_size: Any, stride: Any, padding: Any,
                output_size: Any) -> Tensor:
    def tup(v: Any) -> tuple:
        return (v,) * nd if isinstance(v, int) else tuple(v)

    k = tup(kernel_size)
    s = tup(stride) if stride is not None else k
    p = tup(padding)
    x = input._data
    default = [(x.shape[-nd + d] - 1) * s[d] + k[d] - 2 * p[d] for d in range(nd)]
    if output_size is None:
        size = default
    else:
        size = list(output_size)[-nd:] if len(output_size) == nd + 2 else list(output_size)
        if len(size) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                             f"length of '{len(output_size)}'")
        for d in range(nd):
            lo, hi = default[d] - s[d], default[d] + s[d]
            if not lo < size[d] < hi:
                raise ValueError(f'invalid output_size "{size}" (dim {d} must be between {lo} and {hi})')
    if indices.dtype is not dtypes.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype.scalar_name}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    lead = x.shape[:-nd]
    block = math.prod(size)
    idx = indices._data.reshape(math.prod(lead) if lead else 1, -1)
    if idx.size and (idx.min() < 0 or idx.max() >= block):
        bad = int(idx[(idx < 0) | (idx >= block)][0])
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, size))}")
    out = np.zeros((idx.shape[0], block), dtype=x.dtype)
    np.put_along_axis(out, idx, x.reshape(idx.shape), axis=1)
    res = result(out.reshape(*lead, *size), input.dtype)
    if state.recording and input._rg:
        node = (MaxUnpool2DBackward0 if nd == 2 else MaxUnpool3DBackward0)((edge(input),))
        node.indices, node.nd, node.shape = save(indices), nd, x.shape
        attach(res, node)
    return res


@op("max_unpool1d", method=False, namespace="torch.nn.functional")
def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    def one(v: Any) -> int:
        return v if isinstance(v, int) else next(iter(v))

    out = _max_unpool(input.unsqueeze(-1), indices.unsqueeze(-1), 2, (one(kernel_size), 1),
                      (one(stride), 1) if stride is not None else None, (one(padding), 0),
                      None if output_size is None else [list(output_size)[-1], 1])
    return out.squeeze(-1)


@op("max_unpool2d", method=False, namespace="torch.nn.functional")
def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size)


@op("max_unpool3d", method=False, namespace="torch.nn.functional")
def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size)


__all__ = [
    "channel_shuffle",
    "cosine_similarity",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "normalize",
    "pairwise_distance",
    "pdist",
    "pixel_shuffle",
    "pixel_unshuffle",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]
