"""torch.autograd.Variable: since PyTorch 0.4 a Tensor; the call gives a new leaf sharing the data."""

from __future__ import annotations

import warnings
from typing import Any

from gradsh.engine.tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, Tensor)

    def __call__(cls, data: Any = None, requires_grad: bool = False, volatile: bool = False) -> Tensor:
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out


class Variable(metaclass=_VariableMeta):
    """`Variable(tensor, requires_grad=False)`; isinstance(t, Variable) holds for every tensor."""


Variable.__module__ = "torch.autograd.variable"
