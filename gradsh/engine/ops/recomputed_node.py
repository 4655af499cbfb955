"""A node whose backward differentiates a Tensor-op composition of the op, recomputed from the saved inputs.

For kernels that PyTorch records as one node (GridSampler2DBackward0, ...) but whose gradient is most
clearly stated as the forward written with differentiable Tensor ops: the forward values come from
that composition run without recording; backward runs it again on the saved inputs under grad mode
and takes `autograd.grad` of it. Under create_graph the recomputed graph hangs from the inputs' own
graph, so the gradients differentiate again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..grad_mode import enable_grad, no_grad, state
from ..graph import Node, edge
from ..tensor import Tensor
from ._core import attach, save, unpack


class RecomputedNode(Node):
    __slots__ = ("compose", "inner", "inputs", "leaves")
    saved = ("inputs", "inner", "leaves")

    def apply(self, grads: list) -> tuple:
        from ..backward import grad  # cycle: backward imports the ops through tensor

        create = state.grad_enabled  # the engine enables grad mode during a create_graph backward
        inputs = [unpack(t, self) for t in self.inputs]
        wanted = [i for i, (fn, _) in enumerate(self.next_functions) if fn is not None]
        if create:  # differentiate a graph hanging from the inputs' own graph
            leaves = [t if i in wanted else t.detach() for i, t in enumerate(inputs)]
            with enable_grad():
                out = self.compose(*leaves)
        else:  # the forward's own graph, on detached leaves
            leaves, out = self.leaves, self.inner
        found = grad(out, [leaves[i] for i in wanted], grads[0], retain_graph=True, create_graph=create,
                     allow_unused=True)
        result: list = [None] * len(inputs)
        for i, g in zip(wanted, found):  # an input the composition does not differentiate gets zeros, as in PyTorch
            result[i] = g if g is not None else inputs[i].detach() * 0
        return tuple(result)


_classes: dict[str, type] = {}


def recomputed(name: str, compose: Callable[..., Tensor], inputs: Sequence[Tensor]) -> Tensor:
    """compose(*inputs)'s value, recorded as one node `name` when an input requires grad."""
    if not (state.recording and any(t._rg for t in inputs)):
        with no_grad():
            return compose(*inputs)
    leaves = [t.detach().requires_grad_(t._rg) for t in inputs]
    with enable_grad():
        inner = compose(*leaves)
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(name, (RecomputedNode,), {"__slots__": ()})
    node = cls(tuple(edge(t) if t._rg else (None, 0) for t in inputs))
    node.compose, node.inputs, node.inner, node.leaves = compose, tuple(save(t) for t in inputs), inner, leaves
    out = Tensor._wrap(inner._data, inner.dtype)
    attach(out, node)
    return out


__all__ = ["RecomputedNode", "recomputed"]
