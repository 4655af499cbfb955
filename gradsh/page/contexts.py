"""Which grad-mode contexts an example's code opens, and how they nest, read from its syntax tree.

The run tells the mode an example starts and ends in; what happens inside a `with` block or a
decorated function is over by then. So the page reads the code: `with torch.no_grad():` nested in
`with torch.enable_grad():` is the path ("enable_grad", "no_grad"), a decorator the path
("no_grad (decorator on f)",). Names are PyTorch's own, as the grad-mode vocabulary has them.
"""

from __future__ import annotations

import ast

_CONTEXTS = {"no_grad", "enable_grad", "set_grad_enabled", "inference_mode"}


def _label(call: ast.expr) -> str | None:
    """`no_grad`, `set_grad_enabled(False)`, `inference_mode(False)`...; None when `call` is not one of them."""
    target = call.func if isinstance(call, ast.Call) else call
    name = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else None
    if name not in _CONTEXTS:
        return None
    if not isinstance(call, ast.Call) or not (call.args or call.keywords):
        return name
    if name == "no_grad" or name == "enable_grad":
        return name
    argument = call.args[0] if call.args else call.keywords[0].value
    return f"{name}({ast.unparse(argument)})"


def _walk(node: ast.AST, path: tuple[str, ...], found: list[tuple[str, ...]]) -> None:
    if isinstance(node, (ast.With, ast.AsyncWith)):
        labels = [label for item in node.items if (label := _label(item.context_expr))]
        if labels:
            path = path + tuple(labels)
            found.append(path)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for decorator in node.decorator_list:
            label = _label(decorator)
            if label:
                found.append(path + (f"{label} (decorator on {node.name})",))
    for child in ast.iter_child_nodes(node):
        _walk(child, path, found)


def context_paths(source: str) -> list[tuple[str, ...]]:
    """Each grad-mode context the code opens, as its nesting path from the outermost; [] when there is none."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[tuple[str, ...]] = []
    _walk(tree, (), found)
    return found


def disables_grad(path: tuple[str, ...]) -> bool:
    """Whether the innermost context of `path` turns recording off (what the page's band marks)."""
    inner = path[-1].split(" (decorator")[0]
    return inner in ("no_grad", "set_grad_enabled(False)", "inference_mode", "inference_mode(True)")
