"""The factories creation.py lacks: logspace and empty_permuted.

logspace computes as PyTorch's CPU kernel does (RangeFactories.cpp): start and end in the output's
type, the step, the exponents and the power in double (libm's `pow`), rounded or truncated into the
output. Halfway through, the exponent counts back from `end` (as linspace does).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import creation, dtypes
from ..registry import op
from ..tensor import Tensor


def _number(value: Any, name: str) -> Any:
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"logspace only supports 0-dimensional start and end tensors, but got {name} with "
                               f"{value._data.ndim} dimension(s).")
        return value.item()
    return value


def _exponents(start: Any, end: Any, steps: int, dt: dtypes.dtype) -> np.ndarray:
    """The exponents start + step*i (first half) and end - step*(steps-1-i) (second half), in double.

    start and end are first cast to the output's type (float32 rounds, integers truncate) and their
    difference taken in it; the step and the exponents are doubles.
    """
    kind = np.dtype(dt.np).type if dt.is_floating_point else np.int64
    s, e = kind(start), kind(end)
    step = float(e - s) / (steps - 1)
    i = np.arange(steps)
    first = float(s) + step * i
    second = float(e) - step * (steps - 1 - i)
    return np.where(i < steps // 2, first, second)


@op("logspace", method=False)
def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, out: Any = None, dtype: Any = None,
             layout: Any = None, device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    start, end = _number(start, "start"), _number(end, "end")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = creation._out_dtype(dtype, out) or dtypes.get_default_dtype()
    if steps == 0:
        data = np.zeros(0, dt.np)
    elif steps == 1:
        data = np.array([math.pow(float(base), float(start))])
    else:
        b = float(base)  # libm's pow per element: numpy's vectorised power rounds differently
        data = np.array([math.pow(b, x) for x in _exponents(start, end, steps, dt).tolist()])
    if not (dt.is_floating_point or dt.is_complex):
        with np.errstate(invalid="ignore", over="ignore"):
            data = np.trunc(data).astype(np.int64)  # a C cast from double truncates
    return creation._into("logspace", out, creation._finish(np.asarray(data).astype(dt.np), dt, requires_grad))


@op("empty_permuted", method=False)
def empty_permuted(size: Any, physical_layout: Any, *, dtype: Any = None, layout: Any = None, device: Any = None,
                   requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor whose memory follows `physical_layout` (gradsh's values are zeros)."""
    size, order = tuple(size), tuple(physical_layout)
    if len(order) != len(size) or sorted(order) != list(range(len(size))):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; "
                           f"i.e. len(size) = {len(size)} is not equal to len(physical_layout) = {len(order)}")
    return creation.zeros(size, dtype=dtype, requires_grad=requires_grad)
