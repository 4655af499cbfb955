"""%graph NAME: the backward graph of a tensor as a tree, from its grad_fn down to the AccumulateGrad of each leaf."""

from __future__ import annotations

from typing import Any

from gradsh.transcript.autograd_state import node_hooks, saved_by_hooks

_MAX_DEPTH = 40
_MAX_NODES = 400


def _label(node: Any, names: dict[int, str]) -> str:
    label = type(node).__name__
    hooks, prehooks = node_hooks(node)
    notes = [f"{n} {kind}{'s' if n != 1 else ''}" for n, kind in ((hooks, "hook"), (prehooks, "prehook")) if n]
    packed = saved_by_hooks(node)
    if packed:
        notes.append(f"{len(packed)} saved through saved_tensors_hooks, packed as {', '.join(sorted(set(packed)))}")
    if notes:
        label += " [" + "; ".join(notes) + "]"
    variable = getattr(node, "variable", None)  # AccumulateGrad holds the leaf it accumulates into
    if variable is not None:
        label += f"  {names.get(id(variable), '(unnamed leaf)')}"
    return label


def draw(name: str, tensor: Any, names: dict[int, str]) -> list[str]:
    """Tree lines for `tensor`'s graph; `names` maps id(leaf tensor) -> the name that holds it."""
    root = tensor.grad_fn
    if root is None:
        why = "a leaf" if tensor.requires_grad else "not part of any graph (requires_grad=False)"
        return [f"{name} has no grad_fn: it is {why}; see %why {name}"]
    lines = [name, f"└── {_label(root, names)}"]
    seen = {id(root)}
    count = 0

    def walk(node: Any, prefix: str, depth: int) -> None:
        nonlocal count
        children = [fn for fn, _ in getattr(node, "next_functions", ()) if fn is not None]
        for i, child in enumerate(children):
            count += 1
            branch, more = ("└── ", "    ") if i == len(children) - 1 else ("├── ", "│   ")
            again = id(child) in seen
            lines.append(prefix + branch + _label(child, names) + ("  (shared, shown above)" if again else ""))
            if again or depth >= _MAX_DEPTH or count >= _MAX_NODES:
                if not again and getattr(child, "next_functions", ()):
                    lines.append(prefix + more + "└── ...")
                continue
            seen.add(id(child))
            walk(child, prefix + more, depth + 1)

    walk(root, "    ", 1)
    return lines


def leaf_names(namespace: dict[str, Any], tensor_type: type) -> dict[int, str]:
    """id(tensor) -> name, for top-level names and one level into what they hold (as the grad report reads them)."""
    from gradsh.transcript.gradreport import snapshot

    names: dict[int, str] = {}
    for name, (tensor, _) in snapshot(namespace, tensor_type).items():
        names.setdefault(id(tensor), name)
    return names
