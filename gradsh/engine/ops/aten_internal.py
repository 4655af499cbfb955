"""ATen operators PyTorch exposes only as torch.ops.aten.*: slice.Tensor, _safe_softmax and
_softmax_backward_data, with PyTorch's node names (SliceBackward0, SafeSoftmaxBackward0,
SoftmaxBackwardDataBackward0). Their backward formulas are Tensor ops, so create_graph works.
"""

from __future__ import annotations

import sys
from typing import Any

from .. import dtypes
from ..grad_mode import no_grad
from ..tensor import Tensor, _wrap_dim
from . import aten
from .formula_node import OUTPUT, node_class, record
from .views import slice_dim


def aten_slice(self: Tensor, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1) -> Tensor:
    """aten::slice.Tensor: a view of every step-th element of `dim` from start to end (clamped)."""
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    d = _wrap_dim(dim, max(self._data.ndim, 1))
    n = self._data.shape[d]
    lo = 0 if start is None else start
    hi = sys.maxsize if end is None else end
    lo = max(0, lo + n) if lo < 0 else min(lo, n)
    hi = max(0, hi + n) if hi < 0 else min(hi, n)
    return slice_dim(self, d, lo, max(hi, lo), step)


def _softmax_grad(g: Tensor, y: Tensor, dim: int) -> Tensor:
    """The softmax backward, y * (g - sum(g * y)): what _softmax_backward_data computes."""
    return y * (g - (g * y).sum(dim=dim, keepdim=True))


SafeSoftmaxBackward0 = node_class(
    "SafeSoftmaxBackward0", lambda node, g, y: (_softmax_grad(g, y, node.dim),), module=__name__
)


def safe_softmax(self: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """aten::_safe_softmax: softmax, except that a slice of only -inf gives zeros instead of nan."""
    d = _wrap_dim(dim, max(self._data.ndim, 1))
    with no_grad():
        out = self.softmax(d, dtype=dtype)
        empty = self.isneginf().all(dim=d, keepdim=True) if self._data.ndim else self.isneginf()
        out = out.masked_fill(empty, 0)
    return record(out, SafeSoftmaxBackward0, (self,), (OUTPUT,), dim=d)


def _double_backward(node: Any, g: Tensor, grad_output: Tensor, output: Tensor) -> tuple:
    """The gradients of y * (go - sum(go * y)) w.r.t. go and y."""
    d = node.dim
    g_go = _softmax_grad(g, output, d) if node.needs(0) else None
    g_y = None
    if node.needs(1):
        g_y = g * (grad_output - (grad_output * output).sum(dim=d, keepdim=True)) \
            - grad_output * (g * output).sum(dim=d, keepdim=True)
    return g_go, g_y


SoftmaxBackwardDataBackward0 = node_class("SoftmaxBackwardDataBackward0", _double_backward, module=__name__)


def softmax_backward_data(grad_output: Tensor, output: Tensor, dim: int, input_dtype: Any) -> Tensor:
    """aten::_softmax_backward_data: the gradient of softmax's input, given its output and gradient."""
    d = _wrap_dim(dim, max(output._data.ndim, 1))
    with no_grad():
        value = _softmax_grad(grad_output, output, d)
        if input_dtype is not None and input_dtype is not value.dtype and isinstance(input_dtype, dtypes.dtype):
            value = value.to(input_dtype)
    return record(value, SoftmaxBackwardDataBackward0, (grad_output, output), (grad_output, output), dim=d)


aten.register("slice", "Tensor", aten_slice)
aten.register("_safe_softmax", "default", safe_softmax)
aten.register("_softmax_backward_data", "default", softmax_backward_data)
