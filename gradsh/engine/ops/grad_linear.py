"""Backward formulas linear in the incoming gradient and piecewise constant in what they saved (relu's
mask, a pooling window, a convolution bias's sum), recorded as PyTorch records them under create_graph.

PyTorch differentiates such a formula as one node (ThresholdBackwardBackward0, AvgPool2DBackwardBackward0,
...) with an edge to the gradient and one to each saved input: the gradient's gradient is the formula's
adjoint, a saved input's is zeros. So the first gradient requires grad whenever an input does, though
its derivative there is 0, and a second gradient gives zeros rather than None. Written as Tensor ops
(`g * mask`), the first gradient would be a constant whenever the seed gradient is.

`linear_in_grad` costs one check when nothing records (a plain backward): the formula runs as before.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..grad_mode import state
from ..graph import Node, edge
from ..tensor import Tensor
from ._core import attach, result
from .formula import NUMPY_MATH, TENSOR_MATH

_wrap = Tensor._wrap


class LinearInGradNode(Node):
    """The gradient's gradient is `adjoint(grad)`; each saved input's is zeros of its shape."""

    __slots__ = ("adjoint", "metas")

    def apply(self, grads: list) -> tuple:
        gg = grads[0]
        first = self.adjoint(gg) if self.next_functions[0][0] is not None else None
        if self.metas is None:  # PyTorch gives these inputs no gradient at all (a convolution's bias term)
            return (first, *(None for _ in self.next_functions[1:]))
        zeros = [None if fn is None else result(np.zeros(shape, dt.np), dt)
                 for (fn, _), (shape, dt) in zip(self.next_functions[1:], self.metas)]
        return (first, *zeros)


_classes: dict[str, type] = {}


def node_class(name: str) -> type:
    """The LinearInGradNode subclass named `name` (PyTorch's node name), made once."""
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(name, (LinearInGradNode,), {"__slots__": ()})
    return cls


def linear_in_grad(name: str, formula: Callable, g: Tensor, saved: tuple,
                   adjoint: Callable | None = None, saved_get_zeros: bool = True) -> Tensor:
    """`formula(g, *saved)`, recorded as node `name` when something records and g or a saved input
    requires grad. `adjoint(gg)` is the formula's transpose applied to a gradient of the result (Tensor
    ops, so a third order records too); by default the formula itself with the same saved inputs (a mask
    multiplication is its own transpose). The saved inputs' gradients are zeros (derivatives.yaml's
    `zeros_like`), or None with `saved_get_zeros=False`."""
    if not (state.recording and (g._rg or any(s._rg for s in saved))):
        return formula(g, *saved)
    value = formula(g.detach(), *(s.detach() for s in saved))
    node = node_class(name)((edge(g), *(edge(s) for s in saved)))
    if adjoint is None:
        def adjoint(gg: Tensor) -> Tensor:
            return linear_in_grad(name, formula, gg, saved)
    node.adjoint = adjoint
    node.metas = [(s._data.shape, s.dtype) for s in saved] if saved_get_zeros else None
    out = value if value._grad_fn is None and value._base is None else _wrap(value._data, value.dtype)
    return attach(out, node)


def summed_grad(name: str, g: Tensor, dims: list[int], shape: tuple, saved: tuple) -> Tensor:
    """A bias's gradient, `g.sum(dims).reshape(shape)` (dims empty: g itself), as one node `name` whose
    inputs are g and `saved` (the input and weight of a convolution or a normalization): under
    create_graph it requires grad when they do, and they get no gradient from it, as in PyTorch."""
    g_shape = g.shape
    broadcast_shape = [1 if i in dims else n for i, n in enumerate(g_shape)]

    def total(g: Tensor, *_: Tensor) -> Tensor:
        return g.sum(dims).reshape(shape) if dims else g

    def broadcast(gg: Tensor) -> Tensor:  # the sum's transpose
        return gg.reshape(broadcast_shape).expand(g_shape)

    return linear_in_grad(name, total, g, saved, broadcast, saved_get_zeros=False)


def _threshold_backward_numpy(g: np.ndarray, x: np.ndarray, threshold: float) -> np.ndarray:
    return g * (x > threshold)


def threshold_backward(g: Tensor, x: Tensor, threshold: float) -> Tensor:
    """aten::threshold_backward: g where x > threshold, else 0 (relu's and threshold's backward)."""
    return linear_in_grad("ThresholdBackwardBackward0", lambda gg, xx: gg * (xx > threshold), g, (x,))


NUMPY_MATH.threshold_backward = _threshold_backward_numpy
TENSOR_MATH.threshold_backward = threshold_backward
