"""What autograd holds beyond requires_grad, grad_fn and .grad: hooks, forward-AD tangents, anomaly mode.

Read for the grad report, %why, %graph and the REPL's toolbar, on either backend: PyTorch keeps a tensor's
hooks in `_backward_hooks` / `_post_accumulate_grad_hooks` and a tangent behind `forward_ad.unpack_dual`;
gradsh's engine keeps hooks in its own tables (gradsh/engine/hooks.py). Node hooks are listed only on
gradsh's engine (PyTorch's Node has no way to list them). Nothing here may fail or change the session.
"""

from __future__ import annotations

import sys
from typing import Any


def _read(fn: Any, default: Any = None) -> Any:
    # (no catch_warnings here: it costs more than the reads; nothing read here warns, and the grad report
    # already keeps any warning of the engine's from the user)
    try:
        return fn()
    except Exception:  # noqa: BLE001 - a report must never fail on an odd tensor
        return default


def _engine_hooks() -> Any:
    return sys.modules.get("gradsh.engine.hooks")


def tensor_hooks(t: Any) -> int:
    """How many hooks are registered on the tensor: register_hook and register_post_accumulate_grad_hook."""
    try:
        if type(t).__module__.startswith("gradsh."):  # gradsh's engine (read on every report line: kept short)
            tables = _engine_hooks()
            if tables is None or not tables.any_registered[0]:
                return 0
            extra = t._extra
            count = 0 if extra is None else len(extra.hooks or ()) + len(extra.post_acc_hooks or ())
            if t._grad_fn is not None:
                count += len(tables.node_prehooks.get(t._grad_fn, {}).get(t._output_nr, ()))
            return count
        return len(getattr(t, "_backward_hooks", None) or ()) + len(getattr(t, "_post_accumulate_grad_hooks", None) or ())
    except Exception:  # noqa: BLE001 - a report must never fail on an odd tensor
        return 0


def node_hooks(node: Any) -> tuple[int, int]:
    """(hooks, prehooks) registered on a backward node with register_hook/register_prehook; (0, 0) where unknown."""
    tables = _engine_hooks()
    if tables is None or not type(node).__module__.startswith("gradsh."):
        return 0, 0
    return (
        _read(lambda: len(tables.node_posthooks.get(node, {})), 0),
        _read(lambda: len(tables.node_fn_prehooks.get(node, {})), 0),
    )


def saved_by_hooks(node: Any) -> list[str]:
    """The type names of what saved_tensors_hooks packed for a backward node's saved tensors (gradsh's engine
    only: PyTorch does not tell whether a saved tensor went through hooks)."""
    if not type(node).__module__.startswith("gradsh."):
        return []
    return _read(lambda: _packed(node), [])


def _packed(node: Any) -> list[str]:
    found = []
    for cls in type(node).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            saved = getattr(node, slot, None)
            hooks = getattr(saved, "hooks", None) if type(saved).__name__ == "SavedTensor" else None
            if hooks is not None:
                found.append(type(hooks[1]).__name__)
    return found


def tangent(t: Any) -> Any:
    """The forward-AD tangent of a dual tensor while its level is open, else None."""
    fwad = sys.modules.get("torch.autograd.forward_ad")
    if fwad is None or not _level_open(type(t).__module__.startswith("gradsh."), fwad):
        return None  # no level, no tangent: and unpack_dual is not free
    return _read(lambda: fwad.unpack_dual(t).tangent)


def flags(torch: Any) -> list[str]:
    """Modes in force beyond the grad mode, for the toolbar: anomaly mode, an open forward-AD level."""
    found = []
    if _read(lambda: bool(torch.is_anomaly_enabled()), False):
        found.append("anomaly mode")
    if _dual_level_open(torch):
        found.append("dual level open")
    return found


def _dual_level_open(torch: Any) -> bool:
    return _level_open(torch.__name__.startswith("gradsh"), sys.modules.get("torch.autograd.forward_ad"))


def _level_open(engine: bool, fwad: Any) -> bool:
    if engine:
        module = sys.modules.get("gradsh.engine.forward_ad")
        return bool(module is not None and _read(lambda: module._level_open[0], False))
    level = _read(lambda: fwad._current_level, -1) if fwad is not None else -1
    return isinstance(level, int) and level >= 0
