"""Integer-valued ops: bitwise shifts, tril_indices/triu_indices and unravel_index.

Shifts follow ATen's rules where C leaves them undefined: a left shift by a negative amount or by at
least the type's width gives 0; such a right shift fills with the sign bit (-1 or 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..registry import BINARY, INPLACE, REFLECTED, op
from ..tensor import Tensor
from ._core import promote2, result


def _shift(name: str, left: bool) -> Any:
    def shift(input: Any, other: Any) -> Tensor:
        if not isinstance(input, Tensor):  # a number first: bitwise_left_shift(3, t)
            input = Tensor._wrap(np.array(input), dtypes.int64 if isinstance(input, int) else dtypes.float32)
        x, y, dt = promote2(input, other)
        if dt.is_floating_point or dt.is_complex:
            raise RuntimeError(f"\"{'lshift' if left else 'rshift'}_cpu\" not implemented for '{dt.scalar_name}'")
        work = np.int64 if dt is not dtypes.uint8 else np.uint8
        a = np.asarray(x).astype(work)
        b = np.asarray(y).astype(np.int64)
        width = 8 * np.dtype(dt.np).itemsize
        outside = (b < 0) | (b >= width)
        amount = np.where(outside, 0, b).astype(work)
        if left:
            out = np.where(outside, 0, np.left_shift(a, amount))
        else:
            out = np.where(outside, np.where(a < 0, -1, 0), np.right_shift(a, amount))
        return result(np.asarray(out).astype(dt.np), dt)

    shift.__name__ = shift.__qualname__ = name
    return shift


bitwise_left_shift = op(
    "bitwise_left_shift", out=True, inplace=True,
    dunders={"__lshift__": BINARY, "__rlshift__": REFLECTED, "__ilshift__": INPLACE},
)(_shift("bitwise_left_shift", True))
bitwise_right_shift = op(
    "bitwise_right_shift", out=True, inplace=True,
    dunders={"__rshift__": BINARY, "__rrshift__": REFLECTED, "__irshift__": INPLACE},
)(_shift("bitwise_right_shift", False))


def _triangle(row: int, col: int, offset: int, lower: bool, dtype: Any) -> Tensor:
    dt = dtypes.int64 if dtype is None else dtype
    if dt not in (dtypes.int32, dtypes.int64):
        raise RuntimeError("\"tril_indices\" not implemented for '" + dt.scalar_name + "'" if lower
                           else "\"triu_indices\" not implemented for '" + dt.scalar_name + "'")
    r, c = np.indices((max(row, 0), max(col, 0)))
    keep = (c - r <= offset) if lower else (c - r >= offset)
    return result(np.stack([r[keep], c[keep]]).astype(dt.np).reshape(2, -1), dt)


@op("tril_indices", method=False)
def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    return _triangle(row, col, offset, True, dtype)


@op("triu_indices", method=False)
def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    return _triangle(row, col, offset, False, dtype)


@op("unravel_index", method=False)
def unravel_index(indices: Tensor, shape: Any) -> tuple:
    """The coordinates of flat `indices` in `shape` (Python's floor division and modulo: -1 is the last)."""
    if not isinstance(indices, Tensor):
        raise AttributeError(f"'{type(indices).__name__}' object has no attribute 'is_complex'")  # noqa: TRY004 - as PyTorch
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype is dtypes.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    dims = [int(shape)] if isinstance(shape, int) else [int(s) for s in shape]
    if any(d < 0 for d in dims):
        raise ValueError("'shape' cannot have negative values, but got " + str(tuple(dims)))
    flat = indices._data.astype(np.int64)
    strides = np.cumprod([1, *dims[::-1]])[:-1][::-1]
    return tuple(result(np.floor_divide(flat, s) % d if d else flat * 0, dtypes.int64)
                 for s, d in zip(strides.tolist(), dims))
