"""torch.nn.functional.linear_cross_entropy: cross entropy of linearly transformed inputs.

Without `options` it is PyTorch's reference composition (linear, reshape, cross_entropy), so the graph
holds PyTorch's nodes. With `options` PyTorch runs a batch-chunked custom op whose graph is one node
(GeneratedBackwardFor_..._batch_chunked[_no_reduction]_defaultBackward); gradsh computes the same values
with the reference composition on detached inputs and that one node differentiates through it. The
chunking changes only the order of float sums, within the comparisons' tolerance.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import dtypes
from ..grad_mode import enable_grad, state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach
from .nn_functional import cross_entropy, linear

_CHUNKED = "GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_defaultBackward"
_CHUNKED_NONE = "GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_no_reduction_defaultBackward"


class _ChunkedBackward(Node):
    """Gradients of the inner reference graph (built on detached leaves) for the op's tensor inputs."""

    __slots__ = ("inner", "leaves")
    saved = ("inner",)

    def apply(self, grads: list) -> tuple:
        from ..backward import grad  # cycle: backward imports the ops through tensor

        wanted = [(i, leaf) for i, leaf in enumerate(self.leaves) if leaf is not None and leaf.requires_grad]
        found = grad(self.inner, [leaf for _, leaf in wanted], grads[0], retain_graph=True, allow_unused=True)
        out: list = [None] * len(self.leaves)
        for (i, _), g in zip(wanted, found):
            out[i] = g
        return tuple(out)


_nodes: dict[str, type] = {}


def _node_class(name: str) -> type:
    if name not in _nodes:
        _nodes[name] = type(name, (_ChunkedBackward,), {"__slots__": ()})
    return _nodes[name]


def _reference(input: Tensor, linear_weight: Tensor, target: Tensor, linear_bias: Tensor | None,
               weight: Tensor | None, reduction: str, ignore_index: int, label_smoothing: float) -> Tensor:
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    logits_shape = (*input.shape[:-1], num_classes, *out_features)
    if out_features:
        linear_weight = linear_weight.reshape((math.prod(out_features, start=num_classes), input.shape[-1]))
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(math.prod(out_features, start=num_classes))
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)


def _check(input: Tensor, linear_weight: Tensor, linear_bias: Tensor | None) -> None:
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.dim()}")
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions (in_features), "
                           f"got {input.shape[-1]} and {linear_weight.shape[-1]}, respectively")
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got {tuple(linear_bias.shape)}")
    if out_features and input.dim() == 1:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires"
                           f" batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}")


@op("linear_cross_entropy", method=False, namespace="torch.nn.functional")
def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *, linear_bias: Tensor | None = None,
                         weight: Tensor | None = None, reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options: Any = None) -> Tensor:
    _check(input, linear_weight, linear_bias)
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    logits_shape = (*input.shape[:-1], num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    ignore_index = ignore_index if ignore_index is not None else -100
    chunked = (reduction in {"mean", "sum", "none"} and label_smoothing == 0.0 and target.dtype is dtypes.int64
               and not out_features)
    if options is not None and not chunked:
        warnings.warn(
            "linear_cross_entropy: ``options`` ignored; chunked path needs reduction in {'mean','sum','none'}, "
            "label_smoothing == 0, target.dtype == int64, out_features == (). Got "
            f"reduction={reduction!r}, label_smoothing={label_smoothing}, target.dtype={target.dtype}, "
            f"out_features={out_features}, tracing=False, linear_bias.shape="
            f"{tuple(linear_bias.shape) if linear_bias is not None else None}.", UserWarning, stacklevel=2)
    args = (weight, reduction, ignore_index, label_smoothing)
    if options is None or not chunked:
        return _reference(input, linear_weight, target, linear_bias, *args)
    if input.dim() == 1:  # PyTorch's chunked op takes a batch: the row is unsqueezed, the result squeezed
        return linear_cross_entropy(input.unsqueeze(0), linear_weight, target.unsqueeze(0), linear_bias=linear_bias,
                                    weight=weight, reduction=reduction, ignore_index=ignore_index,
                                    options=options).squeeze(0)
    leaves = [t.detach().requires_grad_(t.requires_grad) if t is not None else None
              for t in (input, linear_weight, linear_bias)]
    with enable_grad():
        inner = _reference(leaves[0], leaves[1], target, leaves[2], *args)
    out = inner.detach()
    if state.recording and any(t is not None and t.requires_grad for t in (input, linear_weight, linear_bias)):
        node = _node_class(_CHUNKED_NONE if reduction == "none" else _CHUNKED)(
            tuple(edge(t) if t is not None else (None, 0) for t in (input, linear_weight, linear_bias)))
        node.inner, node.leaves = inner, leaves
        attach(out, node)
    return out


__all__ = ["linear_cross_entropy"]
