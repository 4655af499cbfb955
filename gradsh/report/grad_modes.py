"""One vocabulary for grad modes: the grad report, the REPL's toolbar, %mode and %why all speak it.

Two kinds of words. The *state* in force: "grad enabled", "grad disabled", "inference mode" (inference
mode disables grad too; it is named for itself). And *what set it*, by PyTorch's own names: `no_grad`,
`enable_grad`, `set_grad_enabled(False)`, `set_grad_enabled(True)`, `inference_mode`,
`inference_mode(False)`, followed by " (decorator)" when it wraps a function rather than a `with` block.
`SETTERS` is the table the README shows (tests/test_grad_modes.py keeps the two equal).
"""

from __future__ import annotations

import ast

from gradsh.report.model import GradMode

GRAD_ENABLED = "grad enabled"
GRAD_DISABLED = "grad disabled"
INFERENCE = "inference mode"
UNKNOWN = "unknown"

# PyTorch's name for what sets a mode -> (grad enabled, inference mode) it sets; None leaves that part as it was.
# inference_mode(False) enables grad as it leaves inference mode, as PyTorch 2.13 does.
SETTERS: dict[str, tuple[bool | None, bool | None]] = {
    "no_grad": (False, None),
    "enable_grad": (True, None),
    "set_grad_enabled(False)": (False, None),
    "set_grad_enabled(True)": (True, None),
    "inference_mode": (False, True),
    "inference_mode(False)": (True, False),
}
DECORATOR = " (decorator)"


def state_words(mode: GradMode | None) -> str:
    """The state: "grad enabled", "grad disabled" or "inference mode" ("unknown" when it could not be read)."""
    if mode is None:
        return UNKNOWN
    if mode.inference_mode:
        return INFERENCE
    return GRAD_ENABLED if mode.grad_enabled else GRAD_DISABLED


def setter_of(text: str) -> str | None:
    """PyTorch's name for the grad-mode setter written as `text` (a `with` item, a decorator, a call), or None.

    `torch.no_grad()`, `no_grad`, `torch.autograd.grad_mode.no_grad()` -> "no_grad";
    `torch.set_grad_enabled(mode=False)` -> "set_grad_enabled(False)"; `torch.inference_mode(True)` -> "inference_mode".
    A flag that is not a literal (`set_grad_enabled(training)`) gives None: the state cannot be told from the text.
    """
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    return setter_of_node(node)


def setter_of_node(node: ast.expr) -> str | None:
    call = node if isinstance(node, ast.Call) else None
    func = call.func if call is not None else node
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name in ("no_grad", "enable_grad"):
        return name
    if name not in ("set_grad_enabled", "inference_mode"):
        return None
    flag: ast.expr | None = None
    if call is not None:
        flag = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if flag is None:
        return "inference_mode" if name == "inference_mode" else None  # set_grad_enabled needs its flag
    if not isinstance(flag, ast.Constant) or not isinstance(flag.value, bool):
        return None
    if name == "inference_mode":
        return "inference_mode" if flag.value else "inference_mode(False)"
    return f"set_grad_enabled({flag.value})"


def under(mode: GradMode, setter: str) -> GradMode:
    """The mode in force inside `setter`'s block when `mode` was in force outside it."""
    grad, inference = SETTERS[setter.removesuffix(DECORATOR)]
    return GradMode(
        mode.grad_enabled if grad is None else grad, mode.inference_mode if inference is None else inference
    )


def disables_recording(setter: str) -> bool:
    """Whether operations inside `setter`'s block are not recorded by autograd (grad disabled or inference mode)."""
    grad, inference = SETTERS.get(setter.removesuffix(DECORATOR), (None, None))
    return grad is False or inference is True


def readme_table() -> list[str]:
    """The Markdown table of setters and the state each sets, as the README shows it."""
    lines = ["| what set it (PyTorch's name) | state inside |", "| --- | --- |"]
    start = GradMode(True, False)
    for setter in SETTERS:
        lines.append(f"| `{setter}` | {state_words(under(start, setter))} |")
    return lines
