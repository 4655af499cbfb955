"""More losses of torch.nn.functional, written as PyTorch writes them.

kl_div, margin_ranking, hinge_embedding, cosine_embedding, poisson_nll (ATen's Loss.cpp) and
multilabel_soft_margin, gaussian_nll (torch/nn/functional.py) are compositions of Tensor ops in
PyTorch too, so the same composition gives the same graph. soft_margin, multi_margin and
multilabel_margin are single kernels with their own nodes; their backward formulas are Tensor ops.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import creation, dtypes
from ..grad_mode import no_grad, state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result, save, unpack
from .aten import add_scalar
from .elementwise import where
from .nn_functional import _check_reduction, _legacy_reduction, logsigmoid

_EPSILON = 1e-12


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """ATen's apply_loss_reduction."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


@op("kl_div", method=False, namespace="torch.nn.functional")
def kl_div(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        safe = where(target == 0, 1.0, target)
        loss = target * safe.log() - target * input  # xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, reduction)


@op("margin_ranking_loss", method=False, namespace="torch.nn.functional")
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average: Any = None,
                        reduce: Any = None, reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce(add_scalar(-target * (input1 - input2), margin).clamp_min(0), reduction)


@op("hinge_embedding_loss", method=False, namespace="torch.nn.functional")
def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    zeros = creation.zeros_like(input)
    margin_clamp = (margin - input).clamp_min(0)
    output = where(target != 1, margin_clamp, zeros) + where(target != -1, input, zeros)
    return _reduce(output, reduction)


@op("cosine_embedding_loss", method=False, namespace="torch.nn.functional")
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    targ_dim = target.dim()
    if targ_dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if targ_dim == 1 and (input1.dim() != 2 or input2.dim() != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if targ_dim == 0 and (input1.dim() != 1 or input2.dim() != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    prod_sum = (input1 * input2).sum(targ_dim)
    mag1 = (input1 * input1).sum(targ_dim) + _EPSILON
    mag2 = (input2 * input2).sum(targ_dim) + _EPSILON
    cos = prod_sum / (mag1 * mag2).sqrt()
    zeros = creation.zeros_like(cos)
    output = where(target == 1, 1 - cos, zeros) + where(target == -1, (cos - margin).clamp_min(0), zeros)
    return _reduce(output, reduction)


@op("poisson_nll_loss", method=False, namespace="torch.nn.functional")
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        safe = where(target <= 1, 1.0, target)
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + where(target <= 1, 0.0, stirling)
    return _reduce(loss, reduction)


@op("gaussian_nll_loss", method=False, namespace="torch.nn.functional")
def gaussian_nll_loss(input: Tensor, target: Tensor, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    if not isinstance(var, Tensor):
        var = creation.full_like(input, float(var))
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


@op("multilabel_soft_margin_loss", method=False, namespace="torch.nn.functional")
def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


# ----- kernels with their own nodes ------------------------------------------------------------------------

class SoftMarginLossBackward0(Node):
    __slots__ = ("n", "reduction", "t", "x")
    saved = ("x", "t")

    def apply(self, grads: list) -> tuple:
        x, t = unpack(self.x, self), unpack(self.t, self)
        g = grads[0] / self.n if self.reduction == "mean" else grads[0]
        z = (-t * x).exp()
        return (g * -t * z / (z + 1),)


@op("soft_margin_loss", method=False, namespace="torch.nn.functional")
def soft_margin_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    x = input._data.astype(np.float64)
    t = target._data.astype(np.float64)
    losses = np.log1p(np.exp(-x * t))
    value = losses if reduction == "none" else losses.sum() if reduction == "sum" else losses.mean()
    out = result(value, input.dtype)
    if state.recording and input._rg:
        node = SoftMarginLossBackward0((edge(input),))
        node.x, node.t, node.reduction, node.n = save(input), save(target), reduction, max(x.size, 1)
        attach(out, node)
    return out


def _class_rows(input: Tensor) -> tuple[np.ndarray, int]:
    x = input._data
    if x.ndim > 2 or (x.ndim == 2 and x.shape[1] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    rows = x.reshape(1, -1) if x.ndim <= 1 else x
    return rows, rows.shape[1]


class MultiMarginLossBackward0(Node):
    __slots__ = ("margin", "n", "p", "reduction", "shape", "target", "w", "x")
    saved = ("x",)

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self).reshape(-1, self.shape[-1] if self.shape else 1)
        n, c = x.shape
        y = Tensor._wrap(self.target.reshape(-1, 1), dtypes.int64)
        onehot = Tensor._wrap((np.arange(c) == self.target.reshape(-1, 1)), dtypes.bool_)
        z = self.margin - x.gather(1, y) + x
        active = (z > 0) & ~onehot
        dz = where(active, z.pow(self.p - 1) * self.p if self.p != 1 else creation.ones_like(z), 0.0)
        if self.w is not None:
            dz = dz * Tensor._wrap(self.w[self.target].reshape(-1, 1).astype(x.dtype.np), x.dtype)
        dz = dz / c
        gx = dz - where(onehot, dz.sum(1, keepdim=True), 0.0)
        g = grads[0]
        if self.reduction == "none":
            g = g.reshape(-1, 1)
        elif self.reduction == "mean":
            g = g / n
        return ((gx * g).reshape(self.shape),)


@op("multi_margin_loss", method=False, namespace="torch.nn.functional")
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average: Any = None, reduce: Any = None,
                      reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    rows, c = _class_rows(input)
    y = np.asarray(target._data, dtype=np.int64).reshape(-1)
    if y.size != rows.shape[0]:
        raise RuntimeError(f"inconsistent target size, expected {rows.shape[0]} but got {list(target.shape)}")
    if y.size and (y.min() < 0 or y.max() >= c):
        raise RuntimeError("target out of range")
    a = rows.astype(np.float64)
    z = margin - a[np.arange(len(y)), y][:, None] + a
    z[np.arange(len(y)), y] = 0
    z = np.maximum(z, 0) ** p
    w = None if weight is None else weight._data.astype(np.float64)
    if w is not None:
        z = z * w[y][:, None]
    losses = z.sum(1) / c
    if reduction == "none":
        value = losses.reshape(target.shape) if input.dim() > 1 else losses.reshape(())
    else:
        value = losses.sum() if reduction == "sum" else losses.mean()
    out = result(value, input.dtype)
    if state.recording and input._rg:
        node = MultiMarginLossBackward0((edge(input),))
        node.x, node.target, node.w = save(input), y, w
        node.p, node.margin, node.reduction, node.n, node.shape = p, margin, reduction, len(y), input._data.shape
        attach(out, node)
    return out


class MultilabelMarginLossBackward0(Node):
    __slots__ = ("coef", "reduction")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        if self.reduction == "none" and g.dim():
            g = g.reshape(-1, 1).reshape(*g.shape, 1)
        return (g * self.coef,)


@op("multilabel_margin_loss", method=False, namespace="torch.nn.functional")
def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                           reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    rows, c = _class_rows(input)
    ys = np.asarray(target._data, dtype=np.int64).reshape(rows.shape[0], -1)
    if ys.shape[1] != c:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    a = rows.astype(np.float64)
    losses = np.zeros(len(a))
    coef = np.zeros_like(a)
    for i in range(len(a)):
        labels = []
        for v in ys[i]:
            if v < 0:
                break
            if v >= c:
                raise RuntimeError(f"index {v} is out of bounds for dimension 0 with size {c}")
            labels.append(int(v))
        is_target = np.zeros(c, dtype=bool)
        is_target[labels] = True
        for j in labels:
            z = 1 - (a[i, j] - a[i])
            active = (z > 0) & ~is_target
            losses[i] += z[active].sum()
            coef[i, active] += 1
            coef[i, j] -= active.sum()
    losses, coef = losses / c, coef / c
    if reduction == "mean":
        value, coef = losses.mean(), coef / max(len(a), 1)
    elif reduction == "sum":
        value = losses.sum()
    else:
        value = losses if input.dim() > 1 else losses.reshape(())
    out = result(value, input.dtype)
    if state.recording and input._rg:
        node = MultilabelMarginLossBackward0((edge(input),))
        node.coef = Tensor._wrap(coef.reshape(input._data.shape).astype(input.dtype.np), input.dtype)
        node.reduction = reduction
        attach(out, node)
    return out


# ----- bilinear ----------------------------------------------------------------------------------------

@op("bilinear", method=False)
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., o] = x1[..., i] W[o, i, j] x2[..., j] + b[o]."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {input1.shape[:-1]} and "
                           f"{input2.shape[:-1]}")
    out_f, in1, in2 = weight.shape
    lead = input1.shape[:-1]
    left = input1.reshape(-1, in1).matmul(weight.permute(1, 0, 2).reshape(in1, out_f * in2))
    y = (left.view(-1, out_f, in2) * input2.reshape(-1, 1, in2)).sum(-1).view(*lead, out_f)
    return y + bias if bias is not None else y


op("bilinear", method=False, namespace="torch.nn.functional")(bilinear)

__all__ = ["bilinear", "cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss", "kl_div",
           "margin_ranking_loss", "multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss",
           "poisson_nll_loss", "soft_margin_loss"]
