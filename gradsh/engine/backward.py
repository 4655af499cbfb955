"""The backward pass: reverse topological traversal, accumulation into leaves, autograd.grad.

Nodes run in decreasing creation order once every gradient flowing into them has arrived
(PyTorch's ready queue), with grad mode set to `create_graph` for the duration.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from sys import getrefcount
from typing import Any

import numpy as np

from . import anomaly
from . import hooks as hooks_mod
from .changes import note
from .grad_mode import _set_grad, state
from .graph import FREED_MESSAGE, AccumulateGrad, Node, accumulator, anomaly_mode
from .ops._core import wrap
from .ops.inplace import copy_backwards
from .tensor import Size, Tensor

# reference counts of a gradient that is only the backward loop's (see run: grads_in, g, the call's argument)
_UNSHARED_TENSOR = 3
_UNSHARED_ARRAY = 2


def _no_graph_error(i: int) -> RuntimeError:
    return RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def _grad_edge(t: Tensor) -> tuple:
    """Where t's gradient arrives: its grad_fn's output, or its accumulator for a leaf (or a GradientEdge)."""
    if not isinstance(t, Tensor):  # a GradientEdge (torch.autograd.graph.get_gradient_edge)
        return (t.node, t.output_nr)
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    return (accumulator(t), 0)


def make_grads(outputs: Sequence[Tensor], grads: Sequence[Any] | None) -> list:
    """Check the given gradients (or make the implicit one), before anything runs."""
    out = []
    if grads is None:
        grads = [None] * len(outputs)
    # zip, as PyTorch: extra gradients are ignored, missing ones are counted below
    for i, (t, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if not t._rg:
                out.append(None)
                continue
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = wrap(np.ones(t._data.shape, dtype=t.dtype.np), t.dtype)
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        elif g._data.shape != t._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {Size(g._data.shape)!r} and output[{i}] has a "
                f"shape of {Size(t._data.shape)!r}."
            )
        out.append(g)
    if len(out) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(out)} gradients")
    return out


def _as_list(x: Any) -> list:
    if isinstance(x, Tensor) or hasattr(x, "ownership_token"):  # a tensor, or one GradientEdge
        return [x]
    return list(x)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
             *, inputs: Any = None, grad_variables: Any = None) -> None:
    outputs = _as_list(tensors)
    if grad_tensors is None and grad_variables is not None:
        grad_tensors = grad_variables
    if grad_tensors is not None:
        # as PyTorch: a tensor is one gradient, anything else a sequence of per-output gradients
        # (so t.backward([1., 1.]) reports the type of its first element, float)
        grad_tensors = [grad_tensors] if isinstance(grad_tensors, Tensor) else list(grad_tensors)
    if inputs is not None:
        inputs = _as_list(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    for i, t in enumerate(outputs):
        if not t._rg:
            raise _no_graph_error(i)
    grads = make_grads(outputs, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    targets = None
    if inputs is not None:
        for t in inputs:
            if not t._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            if t._grad_fn is not None:
                t.retain_grad()  # a non-leaf listed in inputs gets its .grad filled, as PyTorch does
        targets = [_grad_edge(t) for t in inputs]
    run(outputs, grads, retain_graph, create_graph, targets, accumulate=True)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> Any:
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False."
        )
    keys = None
    if isinstance(inputs, dict):
        keys = list(inputs.keys())
        inputs = list(inputs.values())
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    if grad_outputs is not None:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    for t in ins:
        if isinstance(t, Tensor) and not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    for i, t in enumerate(outs):
        if not t._rg:
            raise _no_graph_error(i)
    grads = make_grads(outs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    targets = [_grad_edge(t) for t in ins]
    captured = run(outs, grads, retain_graph, create_graph, targets, accumulate=False)
    result = []
    for i, (t, target) in enumerate(zip(ins, targets)):
        g = captured.get(target)
        if g is None:
            if materialize_grads:
                g = wrap(np.zeros(t._data.shape, dtype=t.dtype.np), t.dtype)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        result.append(g)
    if keys is not None:
        return dict(zip(keys, result))
    return tuple(result)


def _discover(roots: list) -> dict:
    """Count, for every node reachable from the roots, how many edges lead into it."""
    deps: dict = {}
    # each root once: two outputs of one multi-output node must not count its edges twice
    stack = list(dict.fromkeys(fn for fn, _ in roots))
    roots_set = set(stack)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            if nxt in deps:
                deps[nxt] += 1
            else:  # first edge into it: its own edges are walked once (deps doubles as the seen set)
                deps[nxt] = 1
                if nxt not in roots_set:
                    stack.append(nxt)
    return deps


def _needed(roots: list, targets: list) -> set:
    """Nodes from which some target is reachable (the only ones worth running)."""
    target_nodes = {fn for fn, _ in targets}
    needed: set = set()
    memo: dict = {}
    for root, _ in roots:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                ok = node in target_nodes or any(nxt is not None and memo.get(nxt) for nxt, _ in node.next_functions)
                memo[node] = ok
                if ok:
                    needed.add(node)
                continue
            if node in memo:
                continue
            memo[node] = False
            stack.append((node, True))
            for nxt, _ in node.next_functions:
                if nxt is not None and nxt not in memo:
                    stack.append((nxt, False))
    return needed


class GraphTask:
    """One backward pass in progress, as hooks may ask about it (register_multi_grad_hook)."""

    __slots__ = ("__weakref__", "deps", "needed", "roots")

    def __init__(self, roots: list, deps: dict, needed: set | None) -> None:
        self.roots = {fn for fn, _ in roots}
        self.deps = deps
        self.needed = needed

    def will_execute(self, node: Node) -> bool:
        """PyTorch's _will_engine_execute_node: the node is in this pass's graph and leads to an input asked for."""
        if node not in self.deps and node not in self.roots:
            return False
        return self.needed is None or node in self.needed


_tasks: list[GraphTask] = []


def current_task() -> GraphTask:
    if not _tasks:
        raise RuntimeError("_current_graph_task_id can only be called from within a backward pass")
    return _tasks[-1]


def run(outputs: list, grads: list, retain_graph: bool, create_graph: bool, targets: list | None,
        accumulate: bool) -> dict:
    roots = [_grad_edge(t) for t in outputs]
    deps = _discover(roots)
    needed = _needed(roots, targets) if targets is not None else None
    capture_at = {} if targets is None else {t: None for t in targets}
    buffers: dict = {}
    for (fn, nr), g in zip(roots, grads):
        if g is None:
            continue
        buf = buffers.get(fn)
        if buf is None:
            buf = buffers[fn] = [None] * fn.n_outputs
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    ready: list = []
    for fn, _ in roots:
        if deps.get(fn, 0) == 0 and fn in buffers:
            deps[fn] = -1
            heapq.heappush(ready, (-fn._seq, fn))
    prev_grad = state.grad_enabled
    _set_grad(create_graph)
    heappop, heappush = heapq.heappop, heapq.heappush
    _tasks.append(GraphTask(roots, deps, needed))
    # no hooks, no anomaly mode, no inputs= / autograd.grad: _execute's common path inlined below (one read
    # of each flag a node, so a hook registered while the pass runs is still honoured from the next node)
    plain = targets is None and accumulate
    registered = hooks_mod.any_registered
    release = not retain_graph
    single = None  # the one node made ready by the last one while the heap is empty: no heap round trip
    # its gradients when they came by its only edge (a chain): handed over directly, never in `buffers`
    handed = None
    try:
        while single is not None or ready:
            if single is not None:
                node, single = single, None
            else:
                node = heappop(ready)[1]
            if handed is not None:
                grads_in, handed = handed, None
            else:
                grads_in = buffers.pop(node, None) or [None]
            if plain and not registered[0] and not anomaly_mode[0]:
                if type(node) is AccumulateGrad:
                    g = grads_in[0]
                    if g is not None:
                        var = node.variable
                        # PyTorch's AccumulateGrad steals a gradient nothing else holds instead of copying
                        # it: here only `grads_in`, `g` and getrefcount's argument refer to the Tensor, and
                        # only its own slot to its array (no view, no other tensor shares the memory)
                        if (var._grad is None and g.dtype is var.dtype and getrefcount(g) == _UNSHARED_TENSOR
                                and g._base is None and not g._rg and g._extra is None
                                and getrefcount(g._data) == _UNSHARED_ARRAY and g._data.base is None
                                and g._data.flags.writeable):
                            var._grad = g
                            note(var)  # the grad report's change log, as _accumulate does
                        else:
                            _accumulate(var, g, create_graph)
                    continue
                if node._freed:
                    raise RuntimeError(FREED_MESSAGE)
                for g in grads_in:  # (not list.count: that would compare tensors with ==)
                    if g is not None:
                        outs = node.apply(grads_in)
                        if release and node.saved:
                            node.release()
                        break
                else:
                    outs = (None,) * len(node.next_functions)
            else:
                outs = _execute(node, grads_in, retain_graph, create_graph, capture_at, accumulate, needed, targets)
            for (nxt, nr), g in zip(node.next_functions, outs):
                if nxt is None:
                    continue
                left = deps[nxt] - 1
                deps[nxt] = left
                if g is not None and (needed is None or nxt in needed):
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = [None] * nxt.n_outputs
                        buf[nr] = g
                        if left == 0 and single is None:  # this edge was its only one: run it next, directly
                            single, handed = nxt, buf
                            continue
                        buffers[nxt] = buf
                    else:
                        old = buf[nr]
                        buf[nr] = g if old is None else _sum_grads(old, g, create_graph)
                if left == 0 and nxt in buffers:
                    if single is None:
                        single = nxt
                    else:
                        heappush(ready, (-nxt._seq, nxt))
            if single is not None and ready:  # others wait too: the heap orders them (latest first)
                if handed is not None:
                    buffers[single] = handed
                    handed = None
                heappush(ready, (-single._seq, single))
                single = None
            outs = g = None  # (so the loop holds no gradient an accumulator may steal)
    finally:
        _tasks.pop()
        _set_grad(prev_grad)
    return capture_at


def _sum_grads(a: Tensor, b: Tensor, create_graph: bool) -> Tensor:
    """Two gradients meeting at one input: plain numpy unless the sum must be recorded."""
    if create_graph or a.dtype is not b.dtype or a._data.shape != b._data.shape:
        return a + b
    return Tensor._wrap(a._data + b._data, a.dtype)


def _execute(node: Node, grads: list, retain_graph: bool, create_graph: bool, capture_at: dict,
             accumulate: bool, needed: set | None, targets: list | None) -> tuple:
    if hooks_mod.any_registered[0]:
        grads = _tensor_prehooks(node, grads)
    if capture_at:
        for nr, g in enumerate(grads):
            if (node, nr) in capture_at and g is not None:
                old = capture_at[(node, nr)]
                capture_at[(node, nr)] = g if old is None else old + g
    if type(node) is AccumulateGrad:
        g = grads[0]
        if g is None:
            return ()
        var = node.variable
        extra = var._extra
        if extra is not None and extra.hooks:
            g = hooks_mod.run_hooks(extra.hooks, g)
            if (node, 0) in capture_at:
                capture_at[(node, 0)] = g
        node_hooks = hooks_mod.any_registered[0] and (node in hooks_mod.node_fn_prehooks or node in hooks_mod.node_posthooks)
        if node_hooks:
            g = _accumulator_prehooks(node, g)
        if accumulate and (targets is None or (node, 0) in capture_at):
            _accumulate(var, g, create_graph)
            if extra is not None and extra.post_acc_hooks:
                for fn in list(extra.post_acc_hooks.values()):
                    fn(var)
        if node_hooks:
            for fn in list(hooks_mod.node_posthooks.get(node, {}).values()):
                fn((), (g,))
        return ()
    if needed is not None and node not in needed:
        return ()
    if node._freed:
        raise RuntimeError(FREED_MESSAGE)
    for g in grads:  # (not list.count: that would compare tensors with ==)
        if g is not None:
            break
    else:
        return (None,) * len(node.next_functions)
    hooked = hooks_mod.any_registered[0]
    if hooked and node in hooks_mod.node_fn_prehooks:
        for fn in list(hooks_mod.node_fn_prehooks[node].values()):
            new = fn(tuple(grads))
            if new is not None:
                grads = list(new)
    watched = anomaly_mode[0]
    outs = _apply_watched(node, grads) if watched else node.apply(grads)
    if hooked and node in hooks_mod.node_posthooks:
        for fn in list(hooks_mod.node_posthooks[node].values()):
            new = fn(tuple(outs), tuple(grads))
            if new is not None:
                if len(new) != len(outs):
                    raise RuntimeError(
                        f"hook '{getattr(fn, '__name__', type(fn).__name__)}' has returned an incorrect number of "
                        f"values (got {len(new)}, but expected {len(outs)})")
                outs = tuple(new)
    if watched and anomaly_mode[1]:  # after the node's hooks, as PyTorch checks
        _check_nan_watched(node, outs)
    if not retain_graph and node.saved:
        node.release()
    return outs


def _apply_watched(node: Node, grads: list) -> tuple:
    """Anomaly mode: a failing or NaN-making node warns where its forward ran, then the error goes on."""
    try:
        return node.apply(grads)
    except Exception:
        anomaly.failed(node)
        raise


def _check_nan_watched(node: Node, outs: tuple) -> None:
    try:
        anomaly.check_nan(node, outs)
    except RuntimeError:
        anomaly.failed(node)
        raise


def _accumulator_prehooks(node: Node, g: Tensor) -> Tensor:
    """register_prehook on a leaf's AccumulateGrad: called with (grad,), may return a replacement."""
    for fn in list(hooks_mod.node_fn_prehooks.get(node, {}).values()):
        new = fn((g,))
        if new is not None:
            g = new[0]
    return g


def _tensor_prehooks(node: Node, grads: list) -> list:
    table = hooks_mod.node_prehooks.get(node)
    if table:
        grads = list(grads)
        for nr, hooks in table.items():
            if hooks and nr < len(grads):
                # an output that got no gradient still calls its hooks, with None (as PyTorch does)
                grads[nr] = hooks_mod.run_hooks(hooks, grads[nr])
    retains = hooks_mod.node_retains.get(node)
    if retains:
        for nr, ref in list(retains.items()):
            t = ref()
            if t is None or nr >= len(grads) or grads[nr] is None:
                continue
            if t._grad_fn is not node:
                continue
            g = grads[nr]
            note(t)
            if t._grad is None:
                t._grad = _fresh_copy(g, t.dtype) if not state.grad_enabled else g
            else:
                t._grad = t._grad + g
    return grads


def _fresh_copy(g: Tensor, dtype: Any) -> Tensor:
    return Tensor._wrap(np.array(g._data, dtype=dtype.np, copy=True), dtype)


def _accumulate(var: Tensor, g: Tensor, create_graph: bool) -> None:
    old = var._grad
    note(var)
    if g.dtype is not var.dtype:
        g = g.to(var.dtype)
    if old is None:
        if create_graph and g._rg:
            var._grad = copy_backwards(g)
        else:
            var._grad = _fresh_copy(g, var.dtype)
        return
    if create_graph or old._rg or g._rg:
        var._grad = old + g
        return
    data = old._data
    if data.flags.writeable and data.shape == g._data.shape:
        np.add(data, g._data, out=data, casting="unsafe")
        old._vc[0] += 1
        note(old)
    else:
        var._grad = old + g
