"""Backward formulas written once, evaluated on numpy arrays or on Tensors.

A formula is a function `formula(g, *saved, m)` of the incoming gradient, the values the node saved
and a math namespace `m` (m.cos, m.sign, m.rsqrt, ...). In a plain backward (grad mode off: nothing
is recorded) it runs on numpy arrays with `m = NUMPY_MATH`, which is cheaper; under `create_graph`
it runs on Tensors with `m = TENSOR_MATH`, so the gradient's own graph is recorded. Both give the same
bits: numpy is used only when every saved array has the gradient's dtype (float32 or float64), where
an op on Tensors is that same numpy operation, and NUMPY_MATH's functions are the forwards' kernels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..graph import Node, SavedTensor
from ..tensor import Tensor
from ._core import result

_ndarray = np.ndarray
_wrap = Tensor._wrap

# bfloat16 storage is rounded after every op, float16 and the rest are left to the Tensor path
NUMPY_DTYPES = frozenset((dtypes.float32, dtypes.float64))


class Math:
    """A namespace of elementwise functions, filled in as the unary table declares its rows."""


NUMPY_MATH = Math()
TENSOR_MATH = Math()


def evaluate(node: Node, formula: Callable, g: Tensor, *saved: Any) -> Tensor:
    """`formula(g, *saved, m)` on numpy arrays when that gives the Tensor path's bits, else on Tensors."""
    if not state.grad_enabled and g.dtype in NUMPY_DTYPES:
        gd = g._data
        if len(saved) == 1:  # the common case, without the list
            s = saved[0]
            if type(s) is SavedTensor:
                s = s.array(node)
                if s.dtype != gd.dtype:
                    return formula(g, saved[0].unpack(node), TENSOR_MATH)
            r = formula(gd, s, NUMPY_MATH)
            if type(r) is _ndarray and r.dtype is gd.dtype:  # result()'s checks, inlined: the hot path
                return _wrap(r, g.dtype)
            return result(r, g.dtype)
        arrays = []
        for s in saved:
            if type(s) is SavedTensor:
                s = s.array(node)
                if s.dtype != gd.dtype:  # mixed dtypes: the Tensor path promotes as PyTorch does
                    break
            arrays.append(s)
        else:
            return result(formula(gd, *arrays, NUMPY_MATH), g.dtype)
    values = [s.unpack(node) if type(s) is SavedTensor else s for s in saved]
    if g.dtype.is_complex and getattr(formula, "holomorphic", True):
        # a formula g * f'(x) written for real numbers, given PyTorch's complex convention g * conj(f'(x)):
        # conj(formula(conj(g))) (every formula is linear in g; one marked `holomorphic = False` is written
        # for complex numbers itself)
        return formula(g.conj(), *values, TENSOR_MATH).conj()
    return formula(g, *values, TENSOR_MATH)
