"""The smaller public names of torch.autograd: Variable, multithreading switches, torch.is_inference."""

from __future__ import annotations

import warnings
from typing import Any

from .tensor import Tensor

_multithreading = [True]


def is_inference(input: Any) -> bool:
    if not isinstance(input, Tensor):
        raise TypeError(f"is_inference(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.is_inference()


def is_multithreading_enabled() -> bool:
    return _multithreading[0]


class set_multithreading_enabled:  # PyTorch's name
    """Multithreaded backward on or off (gradsh's backward always runs on one thread: only the flag changes)."""

    def __init__(self, mode: bool) -> None:
        self.prev = _multithreading[0]
        _multithreading[0] = mode
        self.mode = mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *args: object) -> None:
        _multithreading[0] = self.prev

    def clone(self) -> set_multithreading_enabled:
        return self.__class__(self.mode)


def is_view_replay_enabled() -> bool:
    return False


class _VariableMeta(type):
    def __instancecheck__(cls, other: object) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """The pre-0.4 wrapper: now `Variable(t)` is a tensor sharing t's data, and every tensor is a Variable."""

    def __new__(cls, data: Any = None, requires_grad: bool = False, volatile: bool = False) -> Any:
        from . import creation  # cycle: creation imports tensor and the ops

        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        if data is None:
            return creation.tensor([])
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            out.requires_grad_()
        return out


def variable(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("torch.autograd.variable(...) is deprecated, use torch.tensor(...) instead")


__all__ = [
    "Variable", "is_inference", "is_multithreading_enabled", "is_view_replay_enabled", "set_multithreading_enabled",
    "variable",
]
