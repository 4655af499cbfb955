"""Wrapping every declared op for a while: forward AD (tangents) and vmap (which tensors are per-sample).

`install(make)` replaces each op's entry points — Tensor methods and dunders, the torch.* facade
functions and the engine modules' own attributes (ops/nn_functional.linear, ...) — by `make(name, fn)`,
and returns what `remove()` needs to put them back. Nothing is wrapped outside such a period, so the
ordinary hot path never pays for it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .tensor import Tensor

Patch = list[tuple[Any, str, Any]]


def install(make: Callable[[str, Callable], Callable]) -> Patch:
    from . import registry  # cycle: the registry imports tensor, which this module needs first

    patched: Patch = []

    def patch(owner: Any, name: str, fn: Callable) -> None:
        patched.append((owner, name, fn))
        setattr(owner, name, make(name, fn))

    for name in registry.tensor_names():
        fn = Tensor.__dict__.get(name)
        if callable(fn):  # (the dunders are closures made per install: wrap what Tensor holds)
            patch(Tensor, name, fn)
    for decl in registry.declarations():
        # the engine's own modules call ops as module attributes (F.linear, unary.relu): wrap them there too
        for fn in {decl.forward, decl.function} - {None}:
            module = sys.modules.get(getattr(fn, "__module__", ""))
            name = getattr(fn, "__name__", "")
            if module is not None and module.__dict__.get(name) is fn:
                patch(module, name, fn)
    for ns in {d.namespace for d in registry.declarations()}:
        module = sys.modules.get("gradsh." + ns)
        if module is None:
            continue
        for name, fn in registry.functions(ns).items():
            if module.__dict__.get(name) is fn:
                patch(module, name, fn)
    return patched


def remove(patched: Patch) -> None:
    for owner, name, fn in reversed(patched):
        setattr(owner, name, fn)
    patched.clear()
