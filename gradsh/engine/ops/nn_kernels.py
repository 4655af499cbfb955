"""The aten kernels behind torch.nn.functional that PyTorch also exposes by name.

native_batch_norm, _native_batch_norm_legit, _batch_norm_with_update, native_layer_norm and
native_group_norm return the output with the statistics they computed (the mean and 1/std), as
aten's kernels do; their nodes are the functional forms' nodes under aten's names. Also
max_pool{1,2,3}d_with_indices (torch.nn.functional), aten's max_pool2d_with_indices_backward and
native_dropout_backward, reachable as `torch.ops.aten.<name>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import creation, dtypes
from ..registry import op
from ..tensor import Tensor
from . import normalization as norm
from . import pooling as P
from ._core import result
from ._struct import record, zeros_grad
from .aten import OVERLOADS


def _stat(values: np.ndarray, like: Tensor) -> Tensor:
    return result(values, like.dtype)


def _empty(like: Tensor, dtype: dtypes.dtype | None = None) -> Tensor:
    return creation.empty(0, dtype=dtype or like.dtype)


class NativeBatchNormLegitBackward0(norm.NativeBatchNormBackward0):
    __slots__ = ()


class NativeBatchNormLegitBackward1(norm.NativeBatchNormBackward0):
    __slots__ = ()


class BatchNormWithUpdateBackward0(norm.NativeBatchNormBackward0):
    __slots__ = ()


def _batch_norm_kernel(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                       running_var: Tensor | None, training: bool, momentum: float, eps: float,
                       node_class: type) -> tuple[Tensor, Tensor, Tensor]:
    out, mean, invstd = norm.batch_norm_stats(input, running_mean, running_var, weight, bias, training, momentum, eps,
                                           node_class)
    if not training:  # aten saves no statistics in evaluation
        return out, _empty(input), _empty(input)
    return out, _stat(mean, input), _stat(invstd, input)


@op("native_batch_norm", method=False)
def native_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                      running_var: Tensor | None, training: bool, momentum: float, eps: float) -> tuple:
    return _batch_norm_kernel(input, weight, bias, running_mean, running_var, training, momentum, eps,
                              norm.NativeBatchNormBackward0)


@op("_native_batch_norm_legit", method=False)
def _native_batch_norm_legit(input: Tensor, weight: Tensor | None, bias: Tensor | None, *args: Any) -> tuple:
    """Two overloads: (running_mean, running_var, training, momentum, eps) and (training, momentum, eps)."""
    if len(args) == 3:
        training, momentum, eps = args
        return _batch_norm_kernel(input, weight, bias, None, None, training, momentum, eps,
                                  NativeBatchNormLegitBackward1)
    running_mean, running_var, training, momentum, eps = args
    return _batch_norm_kernel(input, weight, bias, running_mean, running_var, training, momentum, eps,
                              NativeBatchNormLegitBackward0)


def _batch_norm_with_update(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor,
                            running_var: Tensor, momentum: float, eps: float) -> tuple:
    out, mean, invstd = _batch_norm_kernel(input, weight, bias, running_mean, running_var, True, momentum, eps,
                                           BatchNormWithUpdateBackward0)
    return out, mean, invstd, _empty(input, dtypes.uint8)


@op("native_layer_norm", method=False)
def native_layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None, bias: Tensor | None,
                      eps: float) -> tuple:
    out, mean, invstd = norm.layer_norm_stats(input, normalized_shape, weight, bias, eps)
    return out, _stat(mean, input), _stat(invstd, input)


@op("native_group_norm", method=False)
def native_group_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, N: int, C: int, HxW: int,
                      group: int, eps: float) -> tuple:
    out, mean, invstd = norm.group_norm_stats(input, group, weight, bias, eps)
    stats = (_stat(mean.reshape(N, group), input), _stat(invstd.reshape(N, group), input))
    node = out.grad_fn
    if node is not None and input._rg:  # the statistics are differentiable outputs of the same node
        for i, t in enumerate(stats, 1):
            t._grad_fn, t._rg, t._output_nr = node, True, i
    return (out, *stats)


# ----- pooling and dropout kernels ------------------------------------------------------------------------

def _max_pool_with_indices(nd: int) -> Any:
    fn = (P.max_pool1d, P.max_pool2d, P.max_pool3d)[nd - 1]

    def max_pool_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                              dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> tuple:
        return fn(input, kernel_size, stride, padding, dilation, ceil_mode, True)

    max_pool_with_indices.__name__ = max_pool_with_indices.__qualname__ = f"max_pool{nd}d_with_indices"
    return op(f"max_pool{nd}d_with_indices", method=False, namespace="torch.nn.functional")(max_pool_with_indices)


max_pool1d_with_indices = _max_pool_with_indices(1)
max_pool2d_with_indices = _max_pool_with_indices(2)
max_pool3d_with_indices = _max_pool_with_indices(3)


def max_pool2d_with_indices_backward(grad_output: Tensor, input: Tensor, kernel_size: Any, stride: Any,
                                     padding: Any, dilation: Any, ceil_mode: bool, indices: Tensor) -> Tensor:
    """The input's gradient: grad_output added at the saved indices (differentiable in grad_output)."""
    node = P.MaxPool2DWithIndicesBackward0(((None, 0),))
    node.indices, node.shape, node.nd, node.x = indices._data, tuple(input.shape), 2, input.detach()
    out = node.apply([grad_output.detach()])[0]
    out = result(out._data, grad_output.dtype)

    def backward(grads: list, idx: Tensor) -> tuple:
        g = grads[0]
        flat = g.flatten(-2).gather(-1, idx.flatten(-2)).view(grad_output.shape)
        return flat, zeros_grad(input)

    record(out, "MaxPool2DWithIndicesBackwardBackward0", (grad_output, input), backward, keep=(indices,))
    return out


def native_dropout_backward(grad_output: Tensor, mask: Tensor, scale: float) -> Tensor:
    # aten computes grad * mask * scale: the product keeps grad's dtype and the Python float scale
    # then lifts an integer or bool product to the default float dtype.
    kept = dtypes.promote_types(grad_output.dtype, mask.dtype)
    out_dtype = kept if kept.is_floating_point or kept.is_complex else dtypes.get_default_dtype()
    product = (grad_output._data * mask._data).astype(kept.np)
    keep = mask._data.astype(out_dtype.np)
    out = result(product.astype(out_dtype.np) * out_dtype.np.type(scale), out_dtype)

    def backward(grads: list) -> tuple:
        return grads[0] * Tensor._wrap(keep, out_dtype) * scale, None

    record(out, "NativeDropoutBackwardBackward0", (grad_output, mask), backward)
    return out


OVERLOADS.update({
    "native_batch_norm": {"Tensor": native_batch_norm},
    "_native_batch_norm_legit": {"Tensor": _native_batch_norm_legit, "no_stats": _native_batch_norm_legit},
    "_batch_norm_with_update": {"Tensor": _batch_norm_with_update},
    "native_layer_norm": {"Tensor": native_layer_norm},
    "native_group_norm": {"Tensor": native_group_norm},
    "max_pool2d_with_indices_backward": {"Tensor": max_pool2d_with_indices_backward},
    "native_dropout_backward": {"Tensor": native_dropout_backward},
})

__all__ = [
    "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices", "native_batch_norm",
    "native_group_norm", "native_layer_norm",
]
