"""%why NAME: why a tensor's requires_grad, grad_fn and .grad are what they are.

Exact from what is known without touching the engine: the tensor's public attributes (requires_grad,
is_leaf, grad_fn, is_inference(), dtype, retains_grad, .grad), the REPL's note of each input (the
grad mode in force before it, and which names its grad report says it made or changed), and the
input's own text (the `with` blocks around the assignment, the expression assigned).
"""

from __future__ import annotations

import ast
import warnings
from typing import Any

from gradsh.repl.history import Entry, Statement, changes_of, made_at
from gradsh.repl.inputs import mode_of
from gradsh.report import grad_modes
from gradsh.transcript import autograd_state
from gradsh.transcript.gradreport import grad_summary

# fmt: off
_FACTORIES = {
    "tensor", "ones", "zeros", "randn", "rand", "randint", "arange", "linspace", "empty", "full", "eye",
    "ones_like", "zeros_like", "randn_like", "rand_like", "full_like", "empty_like", "as_tensor", "from_numpy",
}
# fmt: on


def _read(fn: Any, default: Any = None) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    except Exception:  # noqa: BLE001 - an explanation must never fail on an odd tensor
        return default


def _assignment(source: str, name: str) -> tuple[list[str], ast.expr | None]:
    """The `with` contexts around the last top-level assignment to `name` in `source`, and the value assigned."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [], None
    found: tuple[list[str], ast.expr | None] = ([], None)

    def visit(nodes: list[ast.stmt], contexts: list[str]) -> None:
        nonlocal found
        for node in nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    found = (list(contexts), node.value)
                elif any(name in _names(t) for t in targets):
                    found = (list(contexts), None)  # unpacking: the value is not one expression
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                visit(node.body, contexts + [ast.unparse(item.context_expr) for item in node.items])
            elif isinstance(node, (ast.For, ast.While, ast.If, ast.Try)):
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(node, field, []), contexts)

    visit(tree.body, [])
    return found


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _is_call_to(value: ast.expr | None, names: set[str], method: bool) -> str | None:
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in names:
        base = value.func.value
        is_torch = isinstance(base, ast.Name) and base.id == "torch"
        return value.func.attr if is_torch != method else None
    return None


def explain(name: str, t: Any, namespace: dict[str, Any], entries: list[Entry], tensor_type: type) -> list[str]:
    """Lines of explanation for the tensor `t` that `name` holds (a one-line message when it is not a tensor)."""
    if not isinstance(t, tensor_type):
        return [f"{name} is a {type(t).__name__}, not a tensor"]
    rg, leaf = bool(_read(lambda: t.requires_grad)), bool(_read(lambda: t.is_leaf, True))
    fn = _read(lambda: t.grad_fn)
    fn_name = type(fn).__name__ if fn is not None else None
    grad = _read(lambda: t.grad) if leaf or _read(lambda: t.retains_grad, False) else None
    dtype = str(_read(lambda: t.dtype, "?")).removeprefix("torch.")
    lines = [
        (
            f"{name}: {list(_read(lambda: t.shape, []))} {dtype}  requires_grad={rg}  is_leaf={leaf}  "
            f"grad_fn={f'<{fn_name}>' if fn_name else None}  grad={grad_summary(grad)}"
        )
    ]
    made = made_at(entries, name)
    entry = made[0] if made else None
    contexts, value = _assignment(made[1].source, name) if made else ([], None)
    if made is not None and entry is not None:
        first = made[1].source.strip().split("\n")[0]
        where = (
            f"made at input {entry.number} (`{first}`), grad mode at the prompt: "
            f"{grad_modes.state_words(entry.mode_before)}"
        )
        blocks = [c for c in contexts if mode_of(c)]
        lines.append(where + (f"; assigned inside `with {blocks[-1]}:`" if blocks else ""))
    lines += _requires_grad(
        name, t, rg, leaf, fn_name, dtype, entry, contexts, value, namespace, entries, tensor_type,
        made[1] if made else None,
    )
    lines += _grad(name, rg, leaf, grad, t, entries)
    lines += _extras(t)
    return lines


def _extras(t: Any) -> list[str]:
    """Hooks registered on it, and its forward-AD tangent: what autograd holds beside grad_fn and .grad."""
    lines = []
    hooks = autograd_state.tensor_hooks(t)
    if hooks:
        lines.append(
            f"{hooks} hook{'s are' if hooks != 1 else ' is'} registered on it (register_hook, "
            "register_post_accumulate_grad_hook): backward() calls them with its gradient, and a hook's return "
            "value replaces the gradient."
        )
    packed = autograd_state.saved_by_hooks(_read(lambda: t.grad_fn))
    if packed:
        lines.append(
            f"Its grad_fn keeps {len(packed)} saved tensor{'s' if len(packed) != 1 else ''} through "
            f"saved_tensors_hooks (packed as {', '.join(sorted(set(packed)))}): backward() unpacks "
            f"{'them' if len(packed) != 1 else 'it'} with the unpack hook."
        )
    tangent = autograd_state.tangent(t)
    if tangent is not None:
        lines.append(
            f"It is a dual tensor of forward AD: tangent={grad_summary(tangent)} (unpack_dual gives it while the "
            "dual level is open)."
        )
    return lines


def _made_mode(entry: Entry | None, contexts: list[str]) -> str | None:
    """What turned recording off at the assignment, in the vocabulary of grad_modes: the innermost grad-mode
    `with` around it (PyTorch's name), else the state at the prompt; None when operations were recorded."""
    mode = entry.mode_before if entry is not None else None
    setters = [s for s in (mode_of(c) for c in contexts) if s]
    if mode is None:
        return setters[-1] if setters and grad_modes.disables_recording(setters[-1]) else None
    for setter in setters:
        mode = grad_modes.under(mode, setter)
    if mode.grad_enabled and not mode.inference_mode:
        return None
    return setters[-1] if setters else f"{grad_modes.state_words(mode)} (at the prompt)"


def _manager_setter(value: Any) -> str | None:
    """PyTorch's name for a grad-mode manager object (or a bound method of one, as decorators keep it)."""
    manager = getattr(value, "__self__", value)
    kind = type(manager).__name__
    if "grad_mode" not in type(manager).__module__ or kind not in ("no_grad", "enable_grad", "set_grad_enabled",
                                                                   "inference_mode"):
        return None
    mode = getattr(manager, "mode", True)
    if kind == "set_grad_enabled":
        return f"set_grad_enabled({bool(mode)})"
    if kind == "inference_mode":
        return "inference_mode" if mode else "inference_mode(False)"
    return kind


def decorator_setter(fn: Any) -> str | None:
    """The grad-mode decorator a function (or a generator it made) runs under, by PyTorch's name, else None.

    Both PyTorch and gradsh wrap a decorated function in a closure that keeps the manager's factory (a bound
    `clone`): it is read from the closure, through `__wrapped__` layers, or from a generator's frame."""
    frame = getattr(fn, "gi_frame", None)
    if frame is not None:
        for value in list(frame.f_locals.values()):
            found = _manager_setter(value)
            if found:
                return found
    layer, seen = fn, 0
    while layer is not None and seen < 10:
        for cell in getattr(layer, "__closure__", None) or ():
            found = _read(lambda cell=cell: _manager_setter(cell.cell_contents))
            if found:
                return found
        layer, seen = getattr(layer, "__wrapped__", None), seen + 1
    return None


def _called(value: ast.expr | None, namespace: dict[str, Any]) -> list[tuple[str, Any]]:
    """What the assigned expression calls (by the text naming it), and the generators it reads from."""
    found: list[tuple[str, Any]] = []
    if value is None:
        return found
    for node in ast.walk(value):
        if not isinstance(node, ast.Call):
            continue
        target = _lookup(node.func, namespace)
        if target is not None:
            found.append((f"`{ast.unparse(node.func)}`", target))
        for arg in node.args:
            held = _lookup(arg, namespace)
            if held is not None and hasattr(held, "gi_frame"):
                found.append((f"the generator `{ast.unparse(arg)}`", held))
    return found


def _lookup(node: ast.expr, namespace: dict[str, Any]) -> Any:
    """The object a name or a dotted name refers to in the namespace (None for anything else)."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _lookup(node.value, namespace)
        return None if owner is None else _read(lambda: getattr(owner, node.attr))
    return None


def _inside_calls(
    value: ast.expr | None,
    namespace: dict[str, Any],
    statement: Statement | None,
    tensor_type: type,
    at: str,
    inputs_required: bool,
) -> list[str]:
    """Why a result is a leaf: a call that ran under a grad-mode decorator; else, when an input required grad,
    the grad mode inside the calls (seen on the engine as mode switches; not visible on real PyTorch)."""
    calls = _called(value, namespace)
    for label, target in calls:
        setter = decorator_setter(target)
        if setter and grad_modes.disables_recording(setter):
            return [
                (
                    f"It was made inside {label}{at}, which runs under {setter}{grad_modes.DECORATOR}: operations "
                    "there are not recorded, so the result is a leaf that does not require grad, whatever its "
                    "inputs do."
                )
            ]
    if not calls or not inputs_required:
        return []
    labels = ", ".join(label for label, _ in calls)
    if not tensor_type.__module__.startswith("gradsh."):
        return [
            (
                f"It was made by a call ({labels}){at}; on --backend torch the grad mode inside calls is not visible "
                "(only grad-mode decorators are), so a `with torch.no_grad():` or set_grad_enabled(False) inside "
                "may be the reason."
            )
        ]
    switches = statement.run.mode_switches if statement is not None else None
    own = [s for s in (mode_of(c) for c in _with_items(statement.source if statement else "")) if s]
    if switches and not own:
        return [
            (
                f"The grad mode changed {switches} time{'s' if switches != 1 else ''} inside the calls it made "
                f"({labels}){at}, so it was probably made while grad was disabled there: operations then are not "
                "recorded."
            )
        ]
    return []


def _with_items(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [ast.unparse(i.context_expr) for n in ast.walk(tree) if isinstance(n, ast.With) for i in n.items]


def _requires_grad(
    name: str,
    t: Any,
    rg: bool,
    leaf: bool,
    fn_name: str | None,
    dtype: str,
    entry: Entry | None,
    contexts: list[str],
    value: ast.expr | None,
    namespace: dict[str, Any],
    entries: list[Entry],
    tensor_type: type,
    statement: Statement | None = None,
) -> list[str]:
    at = f" at input {entry.number}" if entry else ""
    mode = _made_mode(entry, contexts)
    if _read(lambda: t.is_inference(), False):
        where = f"made under torch.inference_mode(){at}"
        for label, target in _called(value, namespace):
            if decorator_setter(target) == "inference_mode":
                where = f"made inside {label}{at}, which runs under inference_mode{grad_modes.DECORATOR}"
        return [
            (
                f"It is an inference tensor ({where}): it never requires grad and has no grad_fn; to use it with "
                "autograd, clone it outside inference mode."
            )
        ]
    if not _read(lambda: t.is_floating_point() or t.is_complex(), True):
        return [f"Its dtype is {dtype}: only floating point and complex tensors can require gradients."]
    inputs = {
        n: bool(_read(lambda n=n: namespace[n].requires_grad))
        for n in (sorted(_names(value)) if value is not None else [])
        if n != name and isinstance(namespace.get(n), tensor_type)
    }
    listed = ", ".join(f"{n} (requires_grad={r})" for n, r in inputs.items())
    if rg and not leaf:
        made_from = f" from {listed}" if listed else ""
        return [
            (
                f"It is the result of an operation autograd recorded{made_from}: grad_fn=<{fn_name}> links it "
                "to the graph (see %graph), so backward() flows through it to the leaves."
            )
        ]
    if rg:
        changed = [e.number for e, _, changes in changes_of(entries, name) if "requires_grad" in changes]
        how = f"requires_grad_() at input {changed[-1]}" if changed else "requires_grad=True (or as a Parameter)"
        return [f"It is a leaf that requires grad, made so with {how}: backward() accumulates into its .grad."]
    if not leaf:
        return [f"It has grad_fn=<{fn_name}> but does not require grad."]
    if mode is not None and value is not None and _is_call_to(value, _FACTORIES, False) is None:
        return [
            (
                f"It was made under {mode}{at}: operations there are not recorded, so the result is a leaf "
                "that does not require grad, whatever its inputs do."
            )
        ]
    if _is_call_to(value, {"detach"}, True):
        return [
            (
                "It is the result of detach(): it shares data with its source but is cut off from the graph, "
                "so it is a leaf that does not require grad."
            )
        ]
    factory = _is_call_to(value, _FACTORIES, False)
    if factory:
        return [
            (
                f"It is a leaf made by torch.{factory} with requires_grad=False (the default); pass "
                f"requires_grad=True or call {name}.requires_grad_() to make autograd track it."
            )
        ]
    inside = _inside_calls(value, namespace, statement, tensor_type, at, any(inputs.values()))
    if inside:
        return inside
    if inputs and not any(inputs.values()):
        return [f"No input required grad ({listed}), so autograd recorded nothing: it is a leaf."]
    if inputs:
        return [f"None of its inputs required grad when it was made{at} (now: {listed}), so it is a leaf."]
    return ["It is a leaf that does not require grad."]


def _grad(name: str, rg: bool, leaf: bool, grad: Any, t: Any, entries: list[Entry]) -> list[str]:
    if not leaf:
        if _read(lambda: t.retains_grad, False):
            return [
                "Its .grad is kept because retain_grad() was called" + (" (not filled yet)." if grad is None else ".")
            ]
        return [
            (
                f".grad is None because {name} is not a leaf: autograd does not keep the gradients of intermediate "
                f"results; call {name}.retain_grad() before backward() to keep it."
            )
        ]
    filled = [e.number for e, _, changes in changes_of(entries, name) if "grad" in changes]
    if grad is not None:
        return [f".grad = {grad_summary(grad)}, last changed at input {filled[-1]}." if filled else ".grad is set."]
    if not rg:
        return [".grad is None: it does not require grad, so backward() never writes it."]
    if filled:
        return [f".grad is None again since input {filled[-1]} (set to None or zeroed with set_to_none)."]
    return [".grad is None: no backward() has reached it yet."]
