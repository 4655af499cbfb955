"""Which grad-mode contexts an example's code opens, and how they nest, read from its syntax tree.

The run tells the mode an example starts and ends in; what happens inside a `with` block or a
decorated function is over by then. So the page reads the code: `with torch.no_grad():` nested in
`with torch.enable_grad():` is the path ("enable_grad", "no_grad"), a decorator the path
("no_grad (decorator on f)",). Names are PyTorch's own, as the grad-mode vocabulary has them.
"""

from __future__ import annotations

import ast

from gradsh.report import grad_modes

_CONTEXTS = {"no_grad", "enable_grad", "set_grad_enabled", "inference_mode"}


def _label(call: ast.expr) -> str | None:
    """PyTorch's name for a grad-mode setter (grad_modes' vocabulary); one whose flag is not a literal is
    shown as written (`set_grad_enabled(is_train)`); None when `call` is not a setter."""
    setter = grad_modes.setter_of_node(call)
    if setter is not None:
        return setter
    target = call.func if isinstance(call, ast.Call) else call
    name = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else None
    if name not in _CONTEXTS or not isinstance(call, ast.Call):
        return None
    return f"{name}({', '.join(ast.unparse(a) for a in [*call.args, *call.keywords])})"


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
                found.append(path + (label + grad_modes.DECORATOR,))
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
    return grad_modes.disables_recording(path[-1])
