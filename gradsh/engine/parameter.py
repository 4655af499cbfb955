"""nn.Parameter: a leaf Tensor that requires grad by default, whatever the grad mode."""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from . import dtypes
from .grad_mode import state
from .printing import parameter_repr
from .tensor import Tensor


class Parameter(Tensor):
    __slots__ = ()

    def __new__(cls, data: Any = None, requires_grad: bool = True) -> Self:
        if data is None:
            data = Tensor._wrap(np.zeros((0,), dtype=np.float32), dtypes.get_default_dtype())
        p = object.__new__(cls)
        p._data = data._data
        p.dtype = data.dtype
        p._rg = False
        p._grad_fn = None
        p._grad = None
        p._vc = data._vc
        p._base = None
        p._output_nr = 0
        p._accum = None
        p._inference = data._inference
        p._extra = None
        if requires_grad:
            if not (data.dtype.is_floating_point or data.dtype.is_complex):
                raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
            if data._inference and not state.inference:
                raise RuntimeError(
                    "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
                )
            p._rg = True
        return p

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return parameter_repr(self)

    __str__ = __repr__

    def __reduce_ex__(self, proto: Any) -> Any:
        return (Parameter, (Tensor._wrap(self._data.copy(), self.dtype), self._rg))
