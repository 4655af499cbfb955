"""Normalization: batch, layer, group, instance, RMS and local response norm with PyTorch's graphs.

batch_norm, layer_norm and group_norm are single nodes as in PyTorch (NativeBatchNormBackward0,
NativeLayerNormBackward0, NativeGroupNormBackward0). Statistics are computed in float64 and the
output rounded once. Their backward recomputes the normalised input from the saved input with
Tensor ops (one formula for every kind: the normalised gradient minus its mean and its projection
on x-hat, times 1/std), so create_graph differentiates it again. instance_norm, rms_norm and
local_response_norm are compositions, as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..grad_mode import no_grad, state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result, save, unpack
from .grad_linear import summed_grad
from .padding import pad as _pad
from .pooling import avg_pool2d, avg_pool3d


def _acc(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float64)


def _normalized_grad(g: Tensor, x: Tensor, dims: list[int], eps: float) -> Tensor:
    """d(x-hat)/dx applied to g (the gradient w.r.t. x-hat), x-hat normalising x over `dims`."""
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    invstd = ((centered * centered).mean(dims, keepdim=True) + eps).rsqrt()
    xhat = centered * invstd
    return (g - g.mean(dims, keepdim=True) - xhat * (g * xhat).mean(dims, keepdim=True)) * invstd


def _xhat(x: Tensor, dims: list[int], eps: float) -> Tensor:
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    return centered * ((centered * centered).mean(dims, keepdim=True) + eps).rsqrt()


# ----- batch norm ------------------------------------------------------------------------------------------

class NativeBatchNormBackward0(Node):
    __slots__ = ("eps", "input", "running", "training", "weight")
    saved = ("input", "weight")
    bias_grad_name = "NativeBatchNormBackwardBackward0"

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        x = unpack(self.input, self)
        w = unpack(self.weight, self) if self.weight is not None else None
        (fx, _), (fw, _), (fb, _) = self.next_functions
        nd = x.dim()
        shape = [1, -1] + [1] * (nd - 2)
        dims = [0, *range(2, nd)]
        gx = gw = gb = None
        gxhat = g if w is None else g * w.reshape(shape)
        if self.training:
            if fx is not None:
                gx = _normalized_grad(gxhat, x, dims, self.eps)
            xhat = _xhat(x, dims, self.eps) if fw is not None else None
        else:
            # PyTorch saves the running statistics themselves: in-place updates after the forward show here
            running_mean, running_var = self.running
            invstd_eval = 1.0 / np.sqrt(_acc(running_var._data) + self.eps)
            invstd = Tensor._wrap(invstd_eval.astype(x.dtype.np).reshape(shape), x.dtype)
            mean = Tensor._wrap(_acc(running_mean._data).astype(x.dtype.np).reshape(shape), x.dtype)
            if fx is not None:
                gx = gxhat * invstd
            xhat = (x - mean) * invstd if fw is not None else None
        if fw is not None:
            gw = (g * xhat).sum(dims)
        if fb is not None:
            gb = summed_grad(self.bias_grad_name, g, dims, (x.shape[1],), (x,) if w is None else (x, w))
        return gx, gw, gb


def _check_batch_norm_sizes(input: Tensor, training: bool) -> None:
    shape = input._data.shape
    if training:
        size = shape[0] * math.prod(shape[2:]) if shape else 1  # torch.nn.functional._verify_batch_size
        if size == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")


@op("batch_norm", method=False, namespace="torch.nn.functional")
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    if training:
        _check_batch_norm_sizes(input, training)
    x = input._data
    if x.size == 0:  # PyTorch's _batch_norm_impl_index: a clone, the affine map from the first channel
        out = input.clone()
        out = out * weight[0] if weight is not None else out
        return out + bias[0] if bias is not None else out
    if x.ndim < 2:
        raise ValueError(f"expected 2D or 3D input (got {x.ndim}D input)")
    return batch_norm_stats(input, running_mean, running_var, weight, bias, training, momentum, eps)[0]


def batch_norm_stats(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None,
                     bias: Tensor | None, training: bool, momentum: float | None, eps: float,
                     node_class: type | None = None) -> tuple:
    """(output, mean, 1/std) of aten's batch norm kernels; the running statistics are updated in place."""
    x = input._data
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t._data.size != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")
    dims = (0, *range(2, x.ndim))
    shape = (1, c) + (1,) * (x.ndim - 2)
    a = _acc(x)
    use_batch = training or running_mean is None or running_var is None
    if use_batch:
        mean = a.mean(dims)
        var = a.var(dims)
        if training and running_mean is not None and running_var is not None:
            n = a.size // c
            with no_grad():
                rm = (1 - momentum) * _acc(running_mean._data) + momentum * mean
                rv = (1 - momentum) * _acc(running_var._data) + momentum * var * n / max(n - 1, 1)
                running_mean.copy_(Tensor._wrap(rm.astype(running_mean.dtype.np), running_mean.dtype))
                running_var.copy_(Tensor._wrap(rv.astype(running_var.dtype.np), running_var.dtype))
    else:
        mean, var = _acc(running_mean._data), _acc(running_var._data)
    invstd = 1.0 / np.sqrt(var + eps)
    out = (a - mean.reshape(shape)) * invstd.reshape(shape)
    if weight is not None:
        out = out * _acc(weight._data).reshape(shape)
    if bias is not None:
        out = out + _acc(bias._data).reshape(shape)
    res = result(out, input.dtype)
    if state.recording and any(t is not None and t._rg for t in (input, weight, bias)):
        node = (node_class or NativeBatchNormBackward0)(
            (edge(input), edge(weight) if weight is not None else (None, 0), edge(bias) if bias is not None else (None, 0))
        )
        node.input, node.weight = save(input), save(weight) if weight is not None else None
        node.eps, node.training = eps, use_batch
        node.running = None if use_batch else (running_mean, running_var)
        attach(res, node)
    return res, mean, invstd


# ----- layer norm and group norm -----------------------------------------------------------------------------

class _AffineNormBackward(Node):
    """Normalisation over `dims` of the (possibly reshaped) input, then an affine map per `affine_shape`."""

    __slots__ = ("affine_shape", "eps", "group_shape", "input", "weight")
    saved = ("input", "weight")
    # under create_graph, the bias's gradient as one node of this name (PyTorch's group norm records none)
    bias_grad_name: str | None = None

    def _grouped(self, t: Tensor) -> Tensor:
        return t if self.group_shape is None else t.reshape(self.group_shape)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        x = unpack(self.input, self)
        w = unpack(self.weight, self) if self.weight is not None else None
        (fx, _), (fw, _), (fb, _) = self.next_functions
        dims = self._dims(x)
        reduce_dims = self._affine_reduce_dims(x)
        gx = gw = gb = None
        gxhat = g if w is None else g * w.reshape(self.affine_shape)
        if fx is not None:
            gx = _normalized_grad(self._grouped(gxhat), self._grouped(x), dims, self.eps).reshape(x.shape)
        if fw is not None:
            xhat = self._xhat_for_weight(self._grouped(x), dims).reshape(x.shape)
            gw = (g * xhat).sum(reduce_dims).reshape(self.weight_shape) if reduce_dims else (g * xhat)
        if fb is not None:
            if self.bias_grad_name is None:
                gb = g.sum(reduce_dims).reshape(self.weight_shape) if reduce_dims else g
            else:
                saved = (x,) if w is None else (x, w)
                gb = summed_grad(self.bias_grad_name, g, reduce_dims, tuple(self.weight_shape), saved)
        return gx, gw, gb


    def _xhat_for_weight(self, x: Tensor, dims: list[int]) -> Tensor:
        return _xhat(x, dims, self.eps)


class NativeLayerNormBackward0(_AffineNormBackward):
    __slots__ = ("k", "weight_shape")
    bias_grad_name = "NativeLayerNormBackwardBackward0"

    def _xhat_for_weight(self, x: Tensor, dims: list[int]) -> Tensor:
        """PyTorch's kernel forms x-hat as fma(x, rstd, -rstd * mean) in the input's dtype, for weight's gradient."""
        mean = x.mean(dims, keepdim=True)
        centered = x - mean
        rstd = ((centered * centered).mean(dims, keepdim=True) + self.eps).rsqrt()
        shift = -(rstd * mean)
        wide = x.double() * rstd.double() + shift.double()  # exact product, one rounding: an fma
        return wide.to(x.dtype)

    def _dims(self, x: Tensor) -> list[int]:
        return list(range(x.dim() - self.k, x.dim()))

    def _affine_reduce_dims(self, x: Tensor) -> list[int]:
        return list(range(x.dim() - self.k))


class NativeGroupNormBackward0(_AffineNormBackward):
    __slots__ = ("weight_shape",)
    n_outputs = 3  # aten::native_group_norm's mean and 1/std are differentiable outputs too

    def apply(self, grads: list) -> tuple:
        gx, gw, gb = super().apply(grads) if grads[0] is not None else (None, None, None)
        gmean, grstd = grads[1], grads[2]
        if (gmean is None and grstd is None) or self.next_functions[0][0] is None:
            return gx, gw, gb
        x = self._grouped(unpack(self.input, self))
        n = x.shape[2]
        part = None
        if gmean is not None:
            part = gmean.unsqueeze(2).expand(x.shape) / n
        if grstd is not None:
            centered = x - x.mean([2], keepdim=True)
            rstd = ((centered * centered).mean([2], keepdim=True) + self.eps).rsqrt()
            term = -(grstd.unsqueeze(2) * rstd * rstd * rstd) * centered / n
            part = term if part is None else part + term
        part = part.reshape(unpack(self.input, self).shape)
        return (part if gx is None else gx + part), gw, gb

    def _dims(self, x: Tensor) -> list[int]:
        return [2]

    def _affine_reduce_dims(self, x: Tensor) -> list[int]:
        return [0, *range(2, x.dim())]


def _affine(out: np.ndarray, weight: Tensor | None, bias: Tensor | None, shape: tuple) -> np.ndarray:
    if weight is not None:
        out = out * _acc(weight._data).reshape(shape)
    if bias is not None:
        out = out + _acc(bias._data).reshape(shape)
    return out


def _edges(input: Tensor, weight: Tensor | None, bias: Tensor | None) -> tuple:
    return (edge(input), edge(weight) if weight is not None else (None, 0),
            edge(bias) if bias is not None else (None, 0))


@op("layer_norm", method=False, namespace="torch.nn.functional")
def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    return layer_norm_stats(input, normalized_shape, weight, bias, eps)[0]


def layer_norm_stats(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None, bias: Tensor | None,
                     eps: float) -> tuple:
    """(output, mean, 1/std) as aten::native_layer_norm, the statistics keeping the normalised dimensions."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    x = input._data
    k = len(normalized_shape)
    if k == 0 or x.shape[x.ndim - k:] != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(input.shape)}")
    for t in (weight, bias):
        if t is not None and tuple(t._data.shape) != normalized_shape:
            raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                               f"{list(t.shape)} and normalized_shape = {list(normalized_shape)}")
    dims = tuple(range(x.ndim - k, x.ndim))
    a = _acc(x)
    mean = a.mean(dims, keepdims=True)
    invstd = 1.0 / np.sqrt(a.var(dims, keepdims=True) + eps)
    res = result(_affine((a - mean) * invstd, weight, bias, normalized_shape), input.dtype)
    if state.recording and any(t is not None and t._rg for t in (input, weight, bias)):
        node = NativeLayerNormBackward0(_edges(input, weight, bias))
        node.input, node.weight = save(input), save(weight) if weight is not None else None
        node.eps, node.k, node.group_shape = eps, k, None
        node.affine_shape = node.weight_shape = normalized_shape
        attach(res, node)
    return res, mean, invstd


@op("group_norm", method=False, namespace="torch.nn.functional")
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    return group_norm_stats(input, num_groups, weight, bias, eps)[0]


def group_norm_stats(input: Tensor, num_groups: int, weight: Tensor | None, bias: Tensor | None, eps: float,
                     node_class: type | None = None) -> tuple:
    """(output, mean, 1/std) as aten::native_group_norm, the statistics shaped (N, num_groups, 1)."""
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {x.ndim}")
    n, c = x.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {input.shape} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t._data.ndim != 1 or t._data.size != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    a = _acc(x).reshape(n, num_groups, -1)
    mean = a.mean(2, keepdims=True)
    invstd = 1.0 / np.sqrt(a.var(2, keepdims=True) + eps)
    shape = (1, c) + (1,) * (x.ndim - 2)
    out = _affine(((a - mean) * invstd).reshape(x.shape), weight, bias, shape)
    res = result(out, input.dtype)
    if state.recording and any(t is not None and t._rg for t in (input, weight, bias)):
        node = (node_class or NativeGroupNormBackward0)(_edges(input, weight, bias))
        node.input, node.weight = save(input), save(weight) if weight is not None else None
        node.eps, node.group_shape = eps, (n, num_groups, -1)
        node.affine_shape, node.weight_shape = shape, (c,)
        attach(res, node)
    return res, mean, invstd


# ----- compositions ---------------------------------------------------------------------------------------

@op("instance_norm", method=False, namespace="torch.nn.functional")
def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """PyTorch's at::instance_norm: batch norm of the input viewed as (1, N*C, ...), statistics averaged back."""
    shape = input.shape
    if len(shape) < 2:
        raise ValueError(f"expected 2D or 3D input (got {len(shape)}D input)")
    if use_input_stats and math.prod(shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {shape}")
    b, c = shape[0], shape[1]
    w = weight.repeat(b) if weight is not None else None
    bi = bias.repeat(b) if bias is not None else None
    rm = running_mean.repeat(b) if running_mean is not None else None
    rv = running_var.repeat(b) if running_var is not None else None
    out = batch_norm(input.contiguous().view(1, b * c, *shape[2:]), rm, rv, w, bi, use_input_stats, momentum, eps)
    if running_mean is not None:
        with no_grad():
            running_mean.copy_(rm.view(b, c).mean(0))
    if running_var is not None:
        with no_grad():
            running_var.copy_(rv.view(b, c).mean(0))
    return out.view(*shape)


@op("rms_norm", method=False, namespace="torch.nn.functional")
def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.dim() - k:]) != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input.dtype.np).eps)
    dims = list(range(input.dim() - k, input.dim()))
    out = input * input.pow(2).mean(dims, keepdim=True).add(eps).rsqrt()
    return out * weight if weight is not None else out


@op("local_response_norm", method=False, namespace="torch.nn.functional")
def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = _pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = _pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(*sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


__all__ = ["batch_norm", "group_norm", "instance_norm", "layer_norm", "local_response_norm", "rms_norm"]
