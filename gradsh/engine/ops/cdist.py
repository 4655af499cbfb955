"""torch.cdist: the p-norm distance between every row of x1 and every row of x2 (batched, broadcast).

Computed directly (ATen's cdist_impl path), node CdistBackward0 whose formula is written with Tensor
ops (create_graph works). ATen's matrix-multiply shortcut for p=2 on large inputs
(compute_mode='use_mm_for_euclid_dist...') is not reproduced: gradsh always takes the direct path,
so for p=2 with more than 25 rows its results may differ from PyTorch's in the last bits.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..grad_mode import no_grad
from ..registry import op
from ..tensor import Tensor
from .formula_node import OUTPUT, node_class, record


def _pairwise(x1: Tensor, x2: Tensor) -> Tensor:
    """x1[..., i, :] - x2[..., j, :] for every i, j: shape batch + (r1, r2, m)."""
    return x1.unsqueeze(-2) - x2.unsqueeze(-3)


def _distance(diff: Tensor, p: float) -> Tensor:
    if p == 0:
        return (diff != 0).to(diff.dtype).sum(-1)
    if p == math.inf:
        return diff.abs().amax(-1) if diff.shape[-1] else diff.abs().sum(-1)
    if p == 1:
        return diff.abs().sum(-1)
    if p == 2:
        return (diff * diff).sum(-1).sqrt()
    return diff.abs().pow(p).sum(-1).pow(1.0 / p)


def _backward(node: Any, g: Tensor, x1: Tensor, x2: Tensor, dist: Tensor) -> tuple:
    p = node.p
    diff = _pairwise(x1, x2)
    d = dist.unsqueeze(-1)
    gg = g.unsqueeze(-1)
    if p == 0:
        each = diff * 0
    elif p == 1:
        each = gg * diff.sign()
    elif p == 2:
        each = (gg * diff / d).masked_fill(d == 0, 0)
    elif p == math.inf:
        each = gg * diff.sign() * (diff.abs() == d).to(diff.dtype)
    elif p < 1:
        each = (gg * diff.sign() * diff.abs().pow(p - 1) * d.pow(1 - p)).masked_fill((d == 0) | (diff == 0), 0)
    else:
        each = (gg * diff * diff.abs().pow(p - 2) / d.pow(p - 1)).masked_fill(d == 0, 0)
    g1 = each.sum(-2) if node.needs(0) else None
    g2 = -each.sum(-3) if node.needs(1) else None
    return g1, g2


CdistBackward0 = node_class("CdistBackward0", _backward, module=__name__)


@op("cdist", method=False)
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str | None = None) -> Tensor:
    if x1._data.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1._data.ndim}D")
    if x2._data.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2._data.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in (None, "use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    batch = tuple(np.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])))
    a = x1.expand(batch + tuple(x1.shape[-2:]))
    b = x2.expand(batch + tuple(x2.shape[-2:]))
    with no_grad():
        out = _distance(_pairwise(a, b), float(p))
    return record(out, CdistBackward0, (x1, x2), (a, b, OUTPUT), p=float(p))
