"""Tensor hooks, retain_grad and node hooks, kept beside the graph (not on the hot path).

Hooks of a non-leaf live on its grad_fn, keyed by output number, as in PyTorch; hooks of a
leaf live on the tensor and run in its accumulator.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import Any, Self

from .changes import note, note_everything
from .graph import Node

_ids = itertools.count()
# node -> {output_nr: {handle_id: fn}}; node -> {output_nr: weakref to the retaining tensor}
node_prehooks: weakref.WeakKeyDictionary[Node, dict] = weakref.WeakKeyDictionary()
node_retains: weakref.WeakKeyDictionary[Node, dict] = weakref.WeakKeyDictionary()
node_posthooks: weakref.WeakKeyDictionary[Node, dict] = weakref.WeakKeyDictionary()
node_fn_prehooks: weakref.WeakKeyDictionary[Node, dict] = weakref.WeakKeyDictionary()
# set once any hook or retain_grad exists, so the backward pass skips the tables until then
# (asking a WeakKeyDictionary for its length on every node was a tenth of backward's time)
any_registered = [False]


class RemovableHandle:
    """Returned by register_hook; remove() unregisters (a second call is harmless)."""

    def __init__(self, table: dict, key: int) -> None:
        self._table = weakref.ref(table) if not isinstance(table, dict) else (lambda: table)
        self.id = key

    def remove(self) -> None:
        table = self._table()
        if table is not None and table.pop(self.id, None) is not None:
            note_everything()  # which tensor held the hook is not known here

    def __repr__(self) -> str:
        return f"<torch.utils.hooks.RemovableHandle object at {hex(id(self))}>"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def register_tensor_hook(t: Any, fn: Callable) -> RemovableHandle:
    any_registered[0] = True
    key = next(_ids)
    if t._grad_fn is None:
        extra = t._x()
        if extra.hooks is None:
            extra.hooks = {}
        table = extra.hooks
    else:
        table = node_prehooks.setdefault(t._grad_fn, {}).setdefault(t._output_nr, {})
    table[key] = fn
    note(t)
    return RemovableHandle(table, key)


def register_post_accumulate_hook(t: Any, fn: Callable) -> RemovableHandle:
    any_registered[0] = True
    extra = t._x()
    if extra.post_acc_hooks is None:
        extra.post_acc_hooks = {}
    key = next(_ids)
    extra.post_acc_hooks[key] = fn
    note(t)
    return RemovableHandle(extra.post_acc_hooks, key)


def retain_grad(t: Any) -> None:
    any_registered[0] = True
    t._x().retains_grad = True
    node_retains.setdefault(t._grad_fn, {})[t._output_nr] = weakref.ref(t)


def register_node_hook(node: Node, fn: Callable) -> RemovableHandle:
    any_registered[0] = True
    key = next(_ids)
    table = node_posthooks.setdefault(node, {})
    table[key] = fn
    return RemovableHandle(table, key)


def register_node_prehook(node: Node, fn: Callable) -> RemovableHandle:
    any_registered[0] = True
    key = next(_ids)
    table = node_fn_prehooks.setdefault(node, {})
    table[key] = fn
    return RemovableHandle(table, key)


def run_hooks(hooks: dict, grad: Any) -> Any:
    """Each hook gets the previous one's result; a returned tensor must keep size and type."""
    for fn in list(hooks.values()):
        new = fn(grad)
        if new is None:
            continue
        if grad is None:
            grad = new
            continue
        name = getattr(fn, "__name__", type(fn).__name__)
        if new._data.shape != grad._data.shape:
            raise RuntimeError(f"hook '{name}' has changed the size of value")
        if new.dtype is not grad.dtype:
            raise RuntimeError(
                f"hook '{name}' has changed the type of value (was {grad.dtype.legacy_type} got "
                f"{new.dtype.legacy_type})"
            )
        grad = new
    return grad
