"""A change log for observers (gradsh's grad report): which tensors changed their autograd state.

The engine calls `note(t)` where it changes an existing tensor in a way a report shows: its data in
place (the version counter moves), its `.grad` (written, accumulated, replaced), or its `requires_grad`
or `grad_fn` outside an op's fresh result. What is logged is the id of the tensor's version-counter
list, which a tensor shares with its views and detached aliases: one entry covers all of them.

Nothing is logged unless someone listens (`listen()`), so `gradsh.torch` used alone pays one
empty-list check per change. Each listener has its own set, emptied by `take()`; a listener that is
garbage-collected stops listening.
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

from .grad_mode import switches

_listeners: list[set[int]] = []
_NOTHING: frozenset[int] = frozenset()
# set once the engine may call back into user code during backward (a tensor or node hook, a custom
# autograd.Function, saved-tensor hooks): an observer then cannot tell what a backward() touched
callbacks = [False]


def note(t: Any) -> None:
    """`t`'s data, grad, requires_grad or grad_fn changed (called by the engine)."""
    if _listeners:
        key = id(t._vc)
        for seen in _listeners:
            seen.add(key)


def note_counter(counter: list) -> None:
    """As note(), for a version counter at hand."""
    if _listeners:
        key = id(counter)
        for seen in _listeners:
            seen.add(key)


def note_everything() -> None:
    """Something changed that cannot be tied to a tensor (a hook removed through its handle)."""
    for seen in _listeners:
        seen.add(-1)


class Listener:
    """One observer's view of the log: the version-counter ids noted since its last take()."""

    def __init__(self) -> None:
        self._seen: set[int] = set()
        _listeners.append(self._seen)
        weakref.finalize(self, _forget, self._seen)

    def take(self) -> set[int] | frozenset[int]:
        """The ids noted since the last take (or since listening began); the log starts afresh."""
        seen = self._seen
        if not seen:
            return _NOTHING
        taken = set(seen)
        seen.clear()
        return taken

    def close(self) -> None:
        _forget(self._seen)


def _forget(seen: set[int]) -> None:
    for i, s in enumerate(_listeners):
        if s is seen:
            del _listeners[i]
            return


def callbacks_possible() -> bool:
    """Whether backward may run user code (hooks, custom Functions, saved-tensor hooks)."""
    hooks = sys.modules.get("gradsh.engine.hooks")  # imported with the engine; not at this module's import
    return callbacks[0] or bool(hooks is not None and hooks.any_registered[0])


def mode_switches() -> list[int]:
    """The engine's count of grad-mode changes (a one-element list, read as it moves)."""
    return switches
