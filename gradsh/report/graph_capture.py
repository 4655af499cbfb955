"""The backward graph behind an example's tensors, as plain data for the replay page.

Read through PyTorch's public graph API only (`grad_fn`, `next_functions`, AccumulateGrad's
`variable`), so it works on both backends. Each backward node is visited once however many
tensors share it (a shared subgraph is drawn once); edges point the way gradients flow, from
the example's tensors down to the leaves they accumulate into.
"""

from __future__ import annotations

from typing import Any

from gradsh.report.model import BackwardGraph, GraphNode

LIMIT = 200  # nodes drawn; a bigger graph is drawn up to this size, with a note of what was left out
COUNT_LIMIT = 20_000  # nodes walked at most, to count what is left out

TENSOR, FUNCTION, ACCUMULATE, LEAF = "tensor", "function", "accumulate", "leaf"


def _read(fn: Any, default: Any = None) -> Any:
    try:
        return fn()
    except Exception:  # noqa: BLE001 - a strange object in the graph must not break the run
        return default


def _node_name(fn: Any) -> str:
    name = _read(lambda: fn.name(), None) or type(fn).__name__
    return name.rpartition("::")[2]  # "torch::autograd::AccumulateGrad" is drawn as AccumulateGrad


def capture(
    roots: list[tuple[str, Any]], names: dict[int, str], limit: int = LIMIT, makers: dict[int, str] | None = None
) -> BackwardGraph | None:
    """The graph of `roots` ((name, tensor) pairs with a grad_fn); `names` maps id(leaf tensor) -> its name,
    `makers` id(backward node) -> the name of a tensor it made (`c` for the MulBackward0 of `c = a * 2`).

    None when no root has a grad_fn. Past `limit` nodes the walk goes on only to count what is left
    out (up to COUNT_LIMIT), so that the note can say how much."""
    graph = BackwardGraph()
    index: dict[int, int | None] = {}  # id(backward node or leaf tensor) -> node index; None: left out
    keep: list[Any] = []  # holds what `index` is keyed by, so that no id is reused while capturing
    pending: list[Any] = []

    def add(key: Any, label: str, kind: str) -> tuple[int | None, bool]:
        """The node's index (None if left out) and whether it was seen for the first time."""
        if id(key) in index:
            return index[id(key)], False
        keep.append(key)
        if len(graph.nodes) >= limit:
            graph.omitted += 1
            index[id(key)] = None
        else:
            index[id(key)] = len(graph.nodes)
            graph.nodes.append(GraphNode(label, kind, (makers or {}).get(id(key)) if kind == FUNCTION else None))
        return index[id(key)], True

    def link(source: int | None, target: int | None) -> None:
        if source is not None and target is not None:
            graph.edges.append((source, target))

    for name, tensor in roots:
        fn = _read(lambda t=tensor: t.grad_fn)
        if fn is None:
            continue
        top, _ = add(tensor, name, TENSOR)
        below, first = add(fn, _node_name(fn), FUNCTION)
        if below is not None and graph.nodes[below].holder == name:
            graph.nodes[below].holder = None  # drawn right under the tensor's own name: said already
        link(top, below)
        if first:
            pending.append(fn)
    if not graph.nodes:
        return None
    at = 0
    while at < len(pending) and len(keep) < COUNT_LIMIT:
        fn = pending[at]  # breadth first: when the limit cuts, it cuts the far end
        at += 1
        here = index[id(fn)]
        for child, _ in _read(lambda f=fn: tuple(f.next_functions), ()):
            if child is None:
                continue
            leaf = _read(lambda c=child: c.variable)
            to, first = add(child, _node_name(child), FUNCTION if leaf is None else ACCUMULATE)
            link(here, to)
            if not first:
                continue
            if leaf is None:
                pending.append(child)
            else:
                held, _ = add(leaf, names.get(id(leaf), "(unnamed leaf)"), LEAF)
                link(to, held)
    graph.complete = at >= len(pending)
    return graph
