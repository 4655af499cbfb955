"""Which tensors are per-sample inside vmap's loop, for the errors PyTorch's batched tensors give.

While vmap runs, the per-sample inputs are marked and every declared op marks what it makes from a
marked tensor (op_intercept.py). A marked tensor refuses what a batched tensor refuses in PyTorch:
`.item()` (and float()/int()), use in control flow (bool()), and an in-place op that would write a
per-sample value into a tensor shared by all samples.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import op_intercept
from .tensor import Tensor

_marked: dict[int, Any] = {}
_depth = [0]
_busy = [False]
_patched: op_intercept.Patch = []

ITEM = (
    "vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over calling .item() on a "
    "Tensor, please try to rewrite what you're doing with other operations. If error is occurring somewhere inside "
    "PyTorch internals, please file a bug report."
)
CONTROL_FLOW = (
    "vmap: It looks like you're attempting to use a Tensor in some data-dependent control flow. We don't support "
    "that yet, please file an issue at https://github.com/pytorch/pytorch/issues ."
)
NO_STORAGE = "Cannot access data pointer of Tensor that doesn't have storage"


def is_marked(t: Any) -> bool:
    entry = _marked.get(id(t))
    return entry is not None and entry() is t


def mark(t: Tensor) -> Tensor:
    key = id(t)

    def forget(ref: Any, key: int = key) -> None:
        if _marked.get(key) is ref:
            del _marked[key]

    _marked[key] = weakref.ref(t, forget)
    return t


@contextmanager
def batching(batch_size: int) -> Iterator[None]:
    """Mark-and-propagate for the duration of one vmap call (nested calls share the outermost one's wrappers)."""
    _depth[0] += 1
    if _depth[0] == 1:
        _patched.extend(op_intercept.install(_wrap))
        _patched.extend(_install_refusals())
    _sizes.append(batch_size)
    try:
        yield
    finally:
        _sizes.pop()
        _depth[0] -= 1
        if _depth[0] == 0:
            op_intercept.remove(_patched)
            _marked.clear()


_sizes: list[int] = []


def _tensors(args: tuple, kwargs: dict) -> list:
    found = [a for a in args if isinstance(a, Tensor)]
    for a in args:
        if isinstance(a, (list, tuple)):
            found += [x for x in a if isinstance(x, Tensor)]
    return found + [v for v in kwargs.values() if isinstance(v, Tensor)]


def _wrap(name: str, fn: Callable) -> Callable:
    in_place = name.endswith("_") and not name.startswith("__") or name.startswith("__i") or name == "__setitem__"

    def batched(*args: Any, **kwargs: Any) -> Any:
        if _busy[0] or not _marked:
            return fn(*args, **kwargs)
        tensors = _tensors(args, kwargs)
        if not any(is_marked(t) for t in tensors):
            return fn(*args, **kwargs)
        if in_place and args and isinstance(args[0], Tensor) and not is_marked(args[0]):
            _refuse_shared_write(args[0], [t for t in tensors if is_marked(t)])
        _busy[0] = True
        try:
            result = fn(*args, **kwargs)
        finally:
            _busy[0] = False
        for r in result if isinstance(result, (tuple, list)) else (result,):
            if isinstance(r, Tensor):
                mark(r)
        return result

    functools.update_wrapper(batched, fn)
    return batched


def _refuse_shared_write(target: Tensor, per_sample: list) -> None:
    """An in-place op on a tensor shared by the samples, with a per-sample operand: PyTorch's broadcast error."""

    shapes = [tuple(target.shape)] + [tuple(t.shape) for t in per_sample]
    broadcast = [_sizes[-1], *np.broadcast_shapes(*shapes)]
    raise RuntimeError(f"output with shape {list(target.shape)} doesn't match the broadcast shape {broadcast}")


def _install_refusals() -> op_intercept.Patch:
    patched: op_intercept.Patch = []

    def refuse(name: str, message: str) -> None:
        fn = Tensor.__dict__[name]

        def refusing(self: Tensor, *args: Any, **kwargs: Any) -> Any:
            if is_marked(self):
                raise RuntimeError(message)
            return fn(self, *args, **kwargs)

        patched.append((Tensor, name, fn))
        setattr(Tensor, name, functools.update_wrapper(refusing, fn))

    for name, message in (("item", ITEM), ("__float__", ITEM), ("__int__", ITEM), ("__bool__", CONTROL_FLOW),
                          ("tolist", NO_STORAGE), ("numpy", NO_STORAGE)):
        if name in Tensor.__dict__:
            refuse(name, message)
    return patched
