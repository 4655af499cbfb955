"""Backward formulas that are ATen functions of their own (tanh_backward, sigmoid_backward), recorded under
create_graph as PyTorch records them: one node (TanhBackwardBackward0, SigmoidBackwardBackward0) with an
edge to the incoming gradient and one to the saved output, whose formulas are derivatives.yaml's.

Written as Tensor ops (`g * (1 - y*y)`), the first gradient would show MulBackward0/RsubBackward1 and the
second gradient would round through another sequence of operations than PyTorch's. The first gradient's
value is the plain backward's (the same kernel on detached tensors), so create_graph changes no bits of it.
The formulas differ from grad_linear.py's in that the saved output's gradient is not zero: it depends on
the incoming gradient, so the node keeps both.
"""

from __future__ import annotations

from collections.abc import Callable

from ..grad_mode import state
from ..graph import Node, edge
from ..tensor import Tensor
from ..vmap_batched import level_of
from ..vmap_rules import pointwise as pointwise_rule
from ._core import attach, save, unpack

_wrap = Tensor._wrap


class BackwardOfBackwardNode(Node):
    """The node of `kernel(grad_output, output)`: `rule(gg, grad_output, output)` gives both inputs' gradients."""

    __slots__ = ("grad_output", "output")
    saved = ("grad_output", "output")
    rule: Callable = staticmethod(lambda gg, go, y: (None, None))

    def apply(self, grads: list) -> tuple:
        gg = grads[0]
        go = unpack(self.grad_output, self)
        y = unpack(self.output, self)
        d_go, d_y = self.rule(gg, go, y)
        return (d_go if self.next_functions[0][0] is not None else None,
                d_y if self.next_functions[1][0] is not None else None)


def recorded_kernel(node_name: str, kernel: Callable[[Tensor, Tensor], Tensor],
                    rule: Callable[[Tensor, Tensor, Tensor], tuple]) -> Callable[[Tensor, Tensor], Tensor]:
    """`kernel(grad_output, output)` as a Tensor function that records node `node_name` (with gradients
    `rule(gg, grad_output, output)`) when something records and either input requires grad. Complex
    tensors keep the composed formula (their conjugations are not written here)."""
    node_cls = type(node_name, (BackwardOfBackwardNode,), {"__slots__": (), "rule": staticmethod(rule)})

    def recorded(grad_output: Tensor, output: Tensor) -> Tensor:
        lvl = max(level_of(grad_output), level_of(output))
        if lvl:  # under vmap (jacrev's batched cotangents): PyTorch's binary pointwise batching rule
            return pointwise_rule(recorded, lvl, (grad_output, output), {})
        if not (state.recording and (grad_output._rg or output._rg)) or grad_output.dtype.is_complex \
                or output.dtype.is_complex:
            return kernel(grad_output, output)
        value = kernel(grad_output.detach(), output.detach())
        node = node_cls((edge(grad_output), edge(output)))
        node.grad_output = save(grad_output)
        node.output = save(output)
        out = value if value._grad_fn is None and value._base is None else _wrap(value._data, value.dtype)
        return attach(out, node)

    recorded.__name__ = recorded.__qualname__ = node_name
    recorded.node_class = node_cls  # (not `.node`: that marks a table row)
    return recorded
