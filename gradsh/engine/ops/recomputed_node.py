"""A node whose backward differentiates a Tensor-op composition of the op, run again from its inputs.

For kernels that PyTorch records as one node (GridSampler2DBackward0, MkldnnRnnLayerBackward0, ...) but
whose gradient is most clearly stated as the forward written with differentiable Tensor ops: the
forward builds that composition on detached copies of the inputs, and the node's backward takes
`autograd.grad` of it. Under create_graph the composition is run again on the inputs themselves, so
the gradients hang from the inputs' own graph and differentiate again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..grad_mode import enable_grad, no_grad, state
from ..graph import Node, edge
from ..tensor import Tensor
from ._core import attach, save, unpack


class RecomputedNode(Node):
    __slots__ = ("compose", "inner", "inputs", "leaves", "n_out")
    saved = ("inputs", "inner", "leaves")

    @property
    def n_outputs(self) -> int:  # type: ignore[override]
        return self.n_out

    def apply(self, grads: list) -> tuple:
        from ..backward import grad  # cycle: backward imports the ops through tensor

        create = state.grad_enabled  # the engine enables grad mode during a create_graph backward
        inputs = [unpack(t, self) for t in self.inputs]
        wanted = [i for i, (fn, _) in enumerate(self.next_functions) if fn is not None]
        if create:  # differentiate a graph hanging from the inputs' own graph
            leaves = [t if i in wanted or t is None else t.detach() for i, t in enumerate(inputs)]
            with enable_grad():
                outs = self.compose(*leaves)
        else:  # the forward's own graph, on detached leaves
            leaves, outs = self.leaves, self.inner
        outs = outs if isinstance(outs, tuple) else (outs,)
        pairs = [(o, g) for o, g in zip(outs, grads) if g is not None and o is not None and o.requires_grad]
        found = grad([o for o, _ in pairs], [leaves[i] for i in wanted], [g for _, g in pairs], retain_graph=True,
                     create_graph=create, allow_unused=True)
        result: list = [None] * len(inputs)
        for i, g in zip(wanted, found):  # an input the composition does not differentiate gets zeros, as in PyTorch
            result[i] = g if g is not None else inputs[i].detach() * 0
        return tuple(result)


_classes: dict[str, type] = {}


def _needs_grad(t: Tensor | None) -> bool:
    return t is not None and t._rg


def recomputed(name: str, compose: Callable[..., Tensor | tuple], inputs: Sequence[Tensor | None],
               base: type = RecomputedNode) -> Tensor | tuple:
    """compose(*inputs)'s value(s), recorded as one node `name` when an input requires grad (None: no input).

    `base` is a RecomputedNode subclass for a kernel whose plain backward computes some gradient itself.
    """
    if not (state.recording and any(_needs_grad(t) for t in inputs)):
        with no_grad():
            return compose(*inputs)
    leaves = [t.detach().requires_grad_(t._rg) if t is not None else None for t in inputs]
    with enable_grad():
        inner = compose(*leaves)
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(name, (base,), {"__slots__": ()})
    node = cls(tuple(edge(t) if _needs_grad(t) else (None, 0) for t in inputs))
    node.compose, node.inputs, node.inner, node.leaves = compose, tuple(save(t) for t in inputs), inner, leaves
    many = isinstance(inner, tuple)
    node.n_out = len(inner) if many else 1
    outs = []
    for i, o in enumerate(inner if many else (inner,)):
        out = Tensor._wrap(o._data, o.dtype)
        if o.requires_grad:
            attach(out, node, i)
        outs.append(out)
    return tuple(outs) if many else outs[0]


__all__ = ["RecomputedNode", "recomputed"]
