"""The numpy arithmetic the optimizers share: PyTorch's in-place update kernels, state tensors, scalars.

Updates follow PyTorch 2.13's single-tensor CPU code paths step by step. A fused kernel (`add_` with an
alpha, `lerp_`, `addcmul_`, `addcdiv_`) rounds once, so it is computed here in float64 and rounded to the
tensor's dtype once; scalars are cast to the tensor's dtype first, as PyTorch casts them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..changes import note
from ..tensor import Tensor


def scalar(value: Any) -> float:
    """A hyper-parameter as a Python number (a 1-element Tensor lr or beta becomes its value)."""
    return value.item() if isinstance(value, Tensor) else value


def fused_multiply_add(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a * b + c rounded once to the dtype of c (float32: exact in float64; float64: Dekker's two-product)."""
    if c.dtype == np.float32:
        return (a.astype(np.float64) * b.astype(np.float64) + c.astype(np.float64)).astype(np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        return _two_product_sum(a, b, c)


def _two_product_sum(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    p = a * b
    split = 134217729.0  # 2**27 + 1
    a_hi = a * split
    a_hi = a_hi - (a_hi - a)
    a_lo = a - a_hi
    b_hi = b * split
    b_hi = b_hi - (b_hi - b)
    b_lo = b - b_hi
    err = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo  # p + err == a * b exactly
    s = p + c
    bb = s - p
    t = (p - (s - bb)) + (c - bb)  # s + t == p + c exactly
    with np.errstate(invalid="ignore"):
        out = s + (t + err)
    return np.where(np.isfinite(out), out, p + c)  # infinities and NaN: the plain result


def fma_add(a: np.ndarray, b: np.ndarray, alpha: Any) -> np.ndarray:
    """a + alpha * b as PyTorch's CPU add kernel gives it (one rounding, alpha cast to the dtype first)."""
    dt = a.dtype
    if dt == np.float64:
        return fused_multiply_add(np.float64(alpha), b, a)
    al = np.float64(dt.type(alpha))
    if dt == np.float32 and b.dtype == np.float32 and b.shape == a.shape and (al == 1 or al == -1):
        # a +- b: float32's own addition is already rounded once (double then float32 gives the same bits)
        return a + b if al == 1 else a - b
    if b.shape != a.shape:
        return (a.astype(np.float64) + al * b.astype(np.float64)).astype(dt)
    out = b.astype(np.float64)  # al * b is exact in double; a is added into it (a cast on the fly, exact)
    out *= al
    out += a
    return out.astype(dt)


def lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """start.lerp(end, weight) as PyTorch's CPU kernel computes it (from the nearer end for weight >= 0.5)."""
    f = start.dtype.type
    w = f(weight)
    diff = (end - start).astype(start.dtype, copy=False)
    if abs(w) < 0.5:
        return fma_add(start, diff, w)
    return fma_add(end, diff, -(f(1) - w))


def addcmul(a: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> np.ndarray:
    """a + value * t1 * t2 (addcmul_): the product rounded, then added."""
    f = a.dtype.type
    return (a + (f(value) * t1) * t2).astype(a.dtype, copy=False)


def addcdiv(a: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> np.ndarray:
    """a + value * t1 / t2 (addcdiv_)."""
    f = a.dtype.type
    return (a + (f(value) * t1) / t2).astype(a.dtype, copy=False)


def write(t: Tensor, value: np.ndarray) -> None:
    """Store `value` into t's array in place (views of it see the change) and bump t's version."""
    data = t._data
    if data.flags.writeable and data.shape == value.shape:
        data[...] = value
    else:
        t._data = np.array(value, dtype=data.dtype)
    t._vc[0] += 1
    note(t)


def like(p: Tensor, value: np.ndarray | float = 0.0) -> Tensor:
    """A state tensor shaped and typed like p, filled with value (zeros_like / full_like)."""
    return Tensor._wrap(np.full(p._data.shape, value, dtype=p._data.dtype), p.dtype)


def scalar_tensor(value: float = 0.0) -> Tensor:
    """A 0-d state tensor of the default dtype (the `step` counters: PyTorch's _get_scalar_dtype())."""
    d = dtypes.get_default_dtype()
    return Tensor._wrap(np.array(value, dtype=d.np), d)


def increment(step: Tensor) -> float:
    """step_t += 1; its new value as a Python float (what _get_value(step_t) reads)."""
    write(step, np.array(step._data + step._data.dtype.type(1), dtype=step._data.dtype))
    return float(step._data)


def check_lr(lr: Any) -> None:
    """The learning-rate checks every optimizer starts with."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_nonnegative(name: str, value: Any) -> None:
    """`Invalid NAME value: V` for a negative hyper-parameter, PyTorch's wording."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name} value: {value}")


def check_betas(betas: Any) -> None:
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
