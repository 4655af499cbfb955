"""torch.nn.functional's ops: linear, activations and losses, each forward beside its backward node.

Backward formulas are written with Tensor ops, so `create_graph=True` differentiates through them.
Node names and edges follow PyTorch 2.13 (spec semantics.md §8): F.linear on a 2-D input records
AddmmBackward0 (bias, input, TBackward0 of weight); F.cross_entropy is NllLossBackward0 over
LogSoftmaxBackward0; F.l1_loss is MeanBackward0 over AbsBackward0.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result, save, save_output, unpack
from .aten import div_scalar
from .elementwise import _SavesInput, _unary_data, fit, where
from .grad_linear import linear_in_grad
from .inplace import apply_inplace
from .linalg import addmm, matmul
from .reduction import log_softmax as _log_softmax
from .reduction import mse_loss as _mse
from .reduction import softmax as _softmax
from .unary import erf
from .unary import relu as _relu

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_reduction(size_average: Any, reduce: Any, reduction: str) -> str:
    """The deprecated size_average/reduce pair, mapped as torch.nn._reduction.legacy_get_string does."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _warn_size_mismatch(input: Tensor, target: Tensor) -> None:
    if target._data.shape != input._data.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). This will "
            "likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning, stacklevel=3,
        )


# ----- linear ---------------------------------------------------------------------------------------

@op("linear", method=False, namespace="torch.nn.functional")
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """PyTorch's aten::linear: addmm for a 2-D input with bias, addmm on a flattened view for other contiguous
    inputs (ViewBackward0 on top), matmul (+ add) otherwise."""
    nd = input._data.ndim
    wt = weight.t()
    if bias is None:
        return matmul(input, wt)
    if nd == 2:
        return addmm(bias, input, wt)
    if nd == 1 or (nd > 2 and input._data.flags.c_contiguous):
        flat = input.reshape(-1, input._data.shape[-1])
        out = addmm(bias, flat, wt)
        return out.view(*input._data.shape[:-1], out._data.shape[-1])
    return matmul(input, wt) + bias


# ----- activations ----------------------------------------------------------------------------------

def _activation(x: Tensor, data: np.ndarray, dt: dtypes.dtype, node_cls: type, saves: str, **attrs: Any) -> Tensor:
    out = result(data, dt)
    if state.recording and x._rg:
        node = node_cls((edge(x),))
        if saves == "input":
            node.x = save(x)
        else:
            node.out = save_output(out)
        for k, v in attrs.items():
            setattr(node, k, v)
        attach(out, node)
    return out


def _f64(x: Tensor) -> tuple:
    """x's values in float64 (results are rounded back once), and x's floating dtype."""
    data, dt = _unary_data(x, lambda a: a)
    return np.asarray(data, dtype=np.float64), dt


_erf = np.frompyfunc(math.erf, 1, 1)


def _np_erf(a: np.ndarray) -> np.ndarray:
    return np.asarray(_erf(a), dtype=np.float64)


class GeluBackward0(_SavesInput):
    __slots__ = ("approximate",)

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        if self.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            inner = (x + 0.044715 * x * x * x) * k
            t = inner.tanh()
            d_inner = (1 + 3 * 0.044715 * x * x) * k
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner
        else:
            cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
            pdf = (-0.5 * x * x).exp() * (1 / math.sqrt(2 * math.pi))
            d = cdf + x * pdf
        return (grads[0] * d,)


@op("gelu", method=False, namespace="torch.nn.functional")
def gelu(input: Tensor, *, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    a, dt = _f64(input)
    if approximate == "tanh":
        data = 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))
    else:
        data = a * 0.5 * (1 + _np_erf(a / math.sqrt(2)))
    return _activation(input, data, dt, GeluBackward0, "input", approximate=approximate)


class SiluBackward0(_SavesInput):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        s = x.sigmoid()
        return (grads[0] * (s * (1 + x * (1 - s))),)


@op("silu", method=False, namespace="torch.nn.functional")
def silu(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:  # the node saves the old values, as PyTorch's silu_ does
        return apply_inplace(input, silu)
    if input.dtype.is_complex:
        if state.recording and input._rg:  # PyTorch's silu has no complex derivative
            raise RuntimeError("silu does not support automatic differentiation for outputs with complex dtype.")
        a, dt = input._data.astype(np.complex128), input.dtype
    else:
        a, dt = _f64(input)
    return _activation(input, a / (1 + np.exp(-a)), dt, SiluBackward0, "input")


class SoftplusBackward0(_SavesInput):
    __slots__ = ("beta", "threshold")

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        z = (x * self.beta).exp()
        d = z / (z + 1)
        return (grads[0] * where(x * self.beta > self.threshold, 1.0, d),)


@op("softplus", method=False, namespace="torch.nn.functional")
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    a, dt = _f64(input)
    data = np.where(a * beta > threshold, a, np.log1p(np.exp(a * beta)) / beta)
    return _activation(input, data, dt, SoftplusBackward0, "input", beta=beta, threshold=threshold)


class LeakyReluBackward0(_SavesInput):
    __slots__ = ("slope",)

    def apply(self, grads: list) -> tuple:
        slope = self.slope
        # ATen's `x > 0 ? g : g * slope`: where(x > 0, 1.0, slope) would make the slope a float32 tensor
        return (linear_in_grad("LeakyReluBackwardBackward0", lambda g, x: where(x > 0, g, g * slope), grads[0],
                               (unpack(self.x, self),)),)


@op("leaky_relu", method=False, namespace="torch.nn.functional")
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    if inplace:
        return leaky_relu_(input, negative_slope)
    a, dt = _f64(input)
    data = np.where(a > 0, a, a * _in_precision(negative_slope, dt))
    return _activation(input, data, dt, LeakyReluBackward0, "input", slope=negative_slope)


def _in_precision(value: float, dt: dtypes.dtype) -> float:
    """A Python scalar as the kernel holds it: rounded to float32 for a float32 tensor (the product of two
    float32 values computed in double and rounded once is then the float32 kernel's product)."""
    return float(np.float32(value)) if dt is dtypes.float32 else value


class LeakyReluBackward1(Node):
    """leaky_relu_'s node: the slope chosen from the saved result's sign."""

    __slots__ = ("out", "slope")

    def apply(self, grads: list) -> tuple:
        if self.slope < 0:
            raise RuntimeError(
                "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. "
                "This is caused by calling in-place forward function with a negative slope, please call out-of-place "
                "version instead. File an issue at https://github.com/pytorch/pytorch if you do require supporting "
                "in-place leakRelu backward calculation with negative slope")
        y = unpack(self.out, self)
        g = grads[0]
        return (where(y > 0, g, g * self.slope),)


def _leaky_relu_saving_result(input: Tensor, negative_slope: float) -> Tensor:
    a, dt = _f64(input)
    data = np.where(a > 0, a, a * _in_precision(negative_slope, dt))
    return _activation(input, data, dt, LeakyReluBackward1, "output", slope=negative_slope)


@op("leaky_relu_", method=False, namespace="torch.nn.functional")
def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return apply_inplace(input, _leaky_relu_saving_result, negative_slope)


class EluBackward0(_SavesInput):
    __slots__ = ("alpha",)

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        return (grads[0] * where(x > 0, 1.0, x.exp() * self.alpha),)


@op("elu", method=False, namespace="torch.nn.functional")
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    if inplace:
        return elu_(input, alpha)
    a, dt = _f64(input)
    data = np.where(a > 0, a, alpha * np.expm1(a))
    return _activation(input, data, dt, EluBackward0, "input", alpha=alpha)


class EluBackward1(Node):
    """The node of elu_, celu_ and selu_: aten's elu_backward from the saved result,
    grad * input_scale * (result + alpha * scale) where result <= 0, grad * scale elsewhere."""

    __slots__ = ("alpha", "input_scale", "out", "scale")

    def apply(self, grads: list) -> tuple:
        y = unpack(self.out, self)
        g = grads[0]
        # the kernel's coefficients are products in the tensor's own precision
        real = np.float32 if y.dtype is dtypes.float32 else np.float64
        neg_coef = float(real(self.alpha) * real(self.scale))
        return (where(y > 0, g * float(real(self.scale)), g * float(real(self.input_scale)) * (y + neg_coef)),)


def elu_saving_result(input: Tensor, data: np.ndarray, dt: dtypes.dtype, node_cls: type, alpha: float,
                      scale: float = 1.0, input_scale: float = 1.0) -> Tensor:
    """An elu-family result (computed by the caller) whose node differentiates from the result."""
    return _activation(input, data, dt, node_cls, "output", alpha=alpha, scale=scale, input_scale=input_scale)


def _elu_forward_saving_result(input: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    a, dt = _f64(input)
    data = np.where(a > 0, a, alpha * np.expm1(a if input_scale == 1 else a * input_scale))
    if scale != 1:
        data = scale * data
    return elu_saving_result(input, data, dt, EluBackward1, alpha, scale, input_scale)


@op("elu_", method=False, namespace="torch.nn.functional")
def elu_(input: Tensor, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0) -> Tensor:
    """aten's elu_: scale * x above zero, scale * alpha * (exp(x * input_scale) - 1) below."""
    return apply_inplace(input, _elu_forward_saving_result, alpha, scale, input_scale)


class HardtanhBackward0(_SavesInput):
    __slots__ = ("hi", "lo")

    def apply(self, grads: list) -> tuple:
        lo, hi = self.lo, self.hi
        return (linear_in_grad("HardtanhBackwardBackward0", lambda g, x: g * ((x > lo) & (x < hi)), grads[0],
                               (unpack(self.x, self),)),)


@op("hardtanh", method=False, namespace="torch.nn.functional")
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    if inplace:
        return hardtanh_(input, min_val, max_val)
    dt = input.dtype
    data = np.clip(input._data, min_val, max_val)
    return _activation(input, data, dt, HardtanhBackward0, "input", lo=min_val, hi=max_val)


@op("relu6", method=False, namespace="torch.nn.functional")
def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return hardtanh(input, 0.0, 6.0, inplace)


@op("hardtanh_", method=False, namespace="torch.nn.functional")
def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    # PyTorch's node (HardtanhBackward0 on the result) passes the same gradient as on the old values
    return apply_inplace(input, hardtanh, min_val, max_val)


class LogSigmoidBackward0(_SavesInput):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        x = unpack(self.x, self)
        return (grads[0] * (1 - x.sigmoid()),)


@op("logsigmoid", aliases=("log_sigmoid",), method=False, namespace="torch.nn.functional")
def logsigmoid(input: Tensor) -> Tensor:
    a, dt = _f64(input)
    data = np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))
    return _activation(input, data, dt, LogSigmoidBackward0, "input")


# ----- losses ---------------------------------------------------------------------------------------

class NllLossBackward0(Node):
    """The gradient is -weight[target] (divided by the total weight for 'mean') at each target position."""

    __slots__ = ("class_dim", "coef", "input", "reduction")
    saved = ("input",)

    def apply(self, grads: list) -> tuple:
        coef, class_dim = self.coef, self.class_dim
        spread = self.reduction == "none" and grads[0]._data.ndim

        def times_coef(g: Tensor, x: Tensor) -> Tensor:
            return (g.unsqueeze(class_dim) if spread else g) * coef

        def pick(gg: Tensor) -> Tensor:  # the transpose: PyTorch's nll_loss of gg
            return (gg * coef).sum(class_dim) if spread else (gg * coef).sum()

        name = type(self).__name__[:-1] + "Backward0"
        return (linear_in_grad(name, times_coef, grads[0], (unpack(self.input, self),), pick),)


class NllLoss2DBackward0(NllLossBackward0):
    __slots__ = ()


def _class_last(a: np.ndarray) -> np.ndarray:
    return np.moveaxis(a, 1, -1) if a.ndim >= 2 else a


@op("nll_loss", method=False, namespace="torch.nn.functional")
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    x = input._data
    if x.ndim < 1:
        raise ValueError(f"Expected 2 or more dimensions (got {x.ndim})")
    if x.ndim == 3 or x.ndim > 4:  # PyTorch's nll_loss_nd: viewed as (N, C, 1, -1) for nll_loss2d, then back
        n, c = x.shape[:2]
        if target._data.shape[1:] != x.shape[2:] or target._data.shape[:1] != (n,):
            raise ValueError(f"Expected target size {[n, *x.shape[2:]]}, got {list(target.shape)}")
        flat = nll_loss(input.contiguous().view(n, c, 1, -1), target.contiguous().view(n, 1, -1), weight, None,
                        ignore_index, None, reduction)
        return flat.view(*target.shape) if reduction == "none" else flat
    t = np.asarray(target._data, dtype=np.int64)
    if x.ndim == 1:
        x2, t2 = x.reshape(1, -1), t.reshape(1)
    else:
        x2, t2 = _class_last(x).reshape(-1, x.shape[1]), t.reshape(-1)
        if t.shape != x.shape[:1] + x.shape[2:]:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size ({t.shape[0]}).")
    n_classes = x2.shape[1]
    valid = t2 != ignore_index
    bad = valid & ((t2 < 0) | (t2 >= n_classes))
    if bad.any():
        raise IndexError(f"Target {int(t2[bad][0])} is out of bounds.")
    safe_t = np.where(valid, t2, 0)
    w = np.ones(n_classes, dtype=x.dtype) if weight is None else weight._data.astype(x.dtype)
    wt = np.where(valid, w[safe_t], 0).astype(x.dtype)
    picked = x2[np.arange(len(t2)), safe_t]
    losses = -(wt * picked)
    coef = np.zeros_like(x2)
    coef[np.arange(len(t2)), safe_t] = -wt
    if reduction == "none":
        value = losses.reshape(t.shape)
    elif reduction == "sum":
        value = losses.sum(dtype=x.dtype)
    else:
        total = wt.sum(dtype=x.dtype)
        value = losses.sum(dtype=x.dtype) / total
        coef = coef / total
    out = result(value, input.dtype)
    if state.recording and input._rg:
        node = (NllLoss2DBackward0 if x.ndim == 4 else NllLossBackward0)((edge(input),))
        shaped = coef.reshape(x.shape) if x.ndim == 1 else np.moveaxis(
            coef.reshape(x.shape[:1] + x.shape[2:] + x.shape[1:2]), -1, 1)
        node.coef = Tensor._wrap(np.ascontiguousarray(shaped, dtype=x.dtype), input.dtype)
        node.reduction, node.class_dim, node.input = reduction, 1 if x.ndim >= 2 else 0, save(input)
        attach(out, node)
    return out


@op("cross_entropy", method=False, namespace="torch.nn.functional")
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    class_dim = 0 if input._data.ndim == 1 else 1
    logp = input.log_softmax(class_dim)
    if target.dtype.is_floating_point:  # class probabilities
        w = logp if weight is None else logp * weight.reshape(-1, *([1] * (input._data.ndim - class_dim - 1)))
        # ATen's cross_entropy_loss_prob_target: the sum is negated last; 'mean' divides by the number of
        # class vectors (N times the spatial size)
        if reduction == "none":
            return -(w * target).sum(class_dim)
        total = -(w * target).sum()
        if reduction == "sum":
            return total
        return div_scalar(total, input._data.size // input._data.shape[class_dim])
    loss = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing > 0:
        n_classes = input._data.shape[class_dim]
        smooth = -(logp if weight is None else logp * weight).sum(class_dim)
        mask = Tensor._wrap(np.asarray(target._data != ignore_index), dtypes.bool_)
        smooth = smooth * mask
        if reduction == "mean":
            smooth = smooth.sum() / (mask.sum() if weight is None else (weight[target.clamp(min=0)] * mask).sum())
        elif reduction == "sum":
            smooth = smooth.sum()
        loss = loss * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)
    return loss


@op("l1_loss", method=False, namespace="torch.nn.functional")
def l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size_mismatch(input, target)
    loss = (input - target).abs()
    if weight is not None:
        # PyTorch's weighted form, in its order: the mean divides by the total weight
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        loss = loss * weight
        if reduction == "mean":
            return loss.sum() / weight.sum()
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


@op("mse_loss", method=False, namespace="torch.nn.functional")
def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean", weight: Any = None) -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _warn_size_mismatch(input, target)
    return _mse(input, target, reduction=reduction)


def _reduce(losses: np.ndarray, reduction: str) -> Any:
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def _grad_scale(g: Tensor, reduction: str, n: int) -> Tensor:
    return g / n if reduction == "mean" else g


class BinaryCrossEntropyBackward0(Node):
    __slots__ = ("n", "reduction", "t", "w", "x")
    saved = ("x", "t")

    def apply(self, grads: list) -> tuple:
        x, t = unpack(self.x, self), unpack(self.t, self)
        g = _grad_scale(grads[0], self.reduction, self.n)
        if self.w is not None:
            g = g * self.w
        (fx, _), (ft, _) = self.next_functions
        gx = g * (x - t) / ((1 - x) * x).clamp_min(1e-12) if fx is not None else None
        gt = g * ((1 - x).log().clamp_min(-100) - x.log().clamp_min(-100)) if ft is not None else None
        return gx, gt


@op("binary_cross_entropy", method=False, namespace="torch.nn.functional")
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    x = input._data.astype(np.float64)
    if ((x < 0) | (x > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    t = target._data.astype(np.float64)
    losses = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    if weight is not None:
        losses = losses * weight._data
    out = result(_reduce(losses, reduction), input.dtype)
    if state.recording and (input._rg or target._rg):
        node = BinaryCrossEntropyBackward0((edge(input), edge(target)))
        node.x, node.t, node.w = save(input), save(target), weight
        node.reduction, node.n = reduction, max(x.size, 1)
        attach(out, node)
    return out


class BinaryCrossEntropyWithLogitsBackward0(Node):
    __slots__ = ("n", "pw", "reduction", "t", "w", "x")
    saved = ("x", "t")

    def apply(self, grads: list) -> tuple:
        x, t = unpack(self.x, self), unpack(self.t, self)
        g = _grad_scale(grads[0], self.reduction, self.n)
        if self.w is not None:
            g = g * self.w
        (fx, _), (ft, _) = self.next_functions[:2]
        s = x.sigmoid()
        if self.pw is None:
            gx = g * (s - t) if fx is not None else None
            gt = g * -x if ft is not None else None
        else:
            lw = (self.pw - 1) * t + 1
            gx = g * (s * lw - self.pw * t) if fx is not None else None
            gt = g * -(x + (self.pw - 1) * x.sigmoid().log()) if ft is not None else None
        return gx, gt


@op("binary_cross_entropy_with_logits", method=False, namespace="torch.nn.functional")
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    x = input._data.astype(np.float64)
    t = target._data.astype(np.float64)
    log_sig = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    lw = 1.0 if pos_weight is None else (pos_weight._data - 1) * t + 1
    losses = (1 - t) * x - lw * log_sig
    if weight is not None:
        losses = losses * weight._data
    out = result(_reduce(losses, reduction), input.dtype)
    if state.recording and (input._rg or target._rg):
        node = BinaryCrossEntropyWithLogitsBackward0((edge(input), edge(target)))
        node.x, node.t, node.w, node.pw = save(input), save(target), weight, pos_weight
        node.reduction, node.n = reduction, max(x.size, 1)
        attach(out, node)
    return out


class SmoothL1LossBackward0(Node):
    __slots__ = ("beta", "n", "reduction", "t", "t_meta", "x", "x_meta")
    saved = ("x", "t")

    def _slope(self, d: Tensor) -> Tensor:
        if self.beta == 0:
            return d.sign()
        return where(d.abs() < self.beta, d / self.beta, d.sign())

    def apply(self, grads: list) -> tuple:
        x, t = unpack(self.x, self), unpack(self.t, self)
        g = _grad_scale(grads[0], self.reduction, self.n)
        slope = self._slope(x - t)
        (fx, _), (ft, _) = self.next_functions
        gx = fit(g * slope, self.x_meta) if fx is not None else None
        gt = fit(-(g * slope), self.t_meta) if ft is not None else None
        return gx, gt


@op("smooth_l1_loss", method=False, namespace="torch.nn.functional")
def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta == 0.0:  # PyTorch hands this to l1_loss (MeanBackward0 over AbsBackward0)
        return l1_loss(input, target, reduction=reduction)
    _warn_size_mismatch(input, target)
    dt = dtypes.promote_types(input.dtype, target.dtype)
    d = np.abs(input._data.astype(np.float64) - target._data.astype(np.float64))
    losses = d - 0.5 * beta if beta == 0 else np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    out = result(_reduce(losses, reduction), dt)
    if state.recording and (input._rg or target._rg):
        node = SmoothL1LossBackward0((edge(input), edge(target)))
        node.x, node.t, node.beta, node.reduction, node.n = save(input), save(target), beta, reduction, max(d.size, 1)
        node.x_meta, node.t_meta = (input._data.shape, input.dtype), (target._data.shape, target.dtype)
        attach(out, node)
    return out


class HuberLossBackward0(SmoothL1LossBackward0):
    """beta is Huber's delta: the slope is d inside [-delta, delta] and delta * sign(d) outside."""

    __slots__ = ()

    def _slope(self, d: Tensor) -> Tensor:
        return d.clamp(-self.beta, self.beta)


@op("huber_loss", method=False, namespace="torch.nn.functional")
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Any = None) -> Tensor:
    _check_reduction(reduction)
    _warn_size_mismatch(input, target)
    dt = dtypes.promote_types(input.dtype, target.dtype)
    d = np.abs(input._data.astype(np.float64) - target._data.astype(np.float64))
    losses = np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    out = result(_reduce(losses, reduction), dt)
    if state.recording and (input._rg or target._rg):
        node = HuberLossBackward0((edge(input), edge(target)))
        node.x, node.t, node.beta, node.reduction, node.n = save(input), save(target), delta, reduction, max(d.size, 1)
        node.x_meta, node.t_meta = (input._data.shape, input.dtype), (target._data.shape, target.dtype)
        attach(out, node)
    return out


__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "elu",
    "gelu",
    "hardtanh",
    "huber_loss",
    "l1_loss",
    "leaky_relu",
    "linear",
    "logsigmoid",
    "mse_loss",
    "nll_loss",
    "relu6",
    "silu",
    "smooth_l1_loss",
    "softplus",
]


# ----- softmax with PyTorch's functional signature (dim=None picks the legacy implicit dim) -------------

def _implicit_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=4)
    return 0 if ndim in (0, 1, 3) else 1


@op("softmax", method=False, namespace="torch.nn.functional")
def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    if dim is None:
        dim = _implicit_dim("softmax", input._data.ndim)
    return _softmax(input, dim, dtype=dtype)


@op("log_softmax", method=False, namespace="torch.nn.functional")
def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    if dim is None:
        dim = _implicit_dim("log_softmax", input._data.ndim)
    return _log_softmax(input, dim, dtype=dtype)


@op("relu", method=False, namespace="torch.nn.functional")
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.relu_() if inplace else _relu(input)


__all__ += ["log_softmax", "relu", "softmax"]
