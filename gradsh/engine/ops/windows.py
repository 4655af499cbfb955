"""torch.signal.windows: the eleven window functions, composed of linspace and elementwise ops.

PyTorch defines them in Python (torch/signal/windows/windows.py) over its public ops; gradsh composes the
same ops in the same order, so the float32 values round as PyTorch's do. `layout` is accepted for the
signature's sake: gradsh's tensors are all strided.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from .. import dtypes
from ..registry import functions, op
from ..tensor import Tensor

NS = "torch.signal.windows"


@cache
def _torch(name: str) -> Callable:
    return functions("torch")[name]


def _checked(name: str, M: int, dtype: Any) -> dtypes.dtype:
    """The window's dtype (the default one when None), after PyTorch's checks on M and dtype."""
    dtype = dtypes.get_default_dtype() if dtype is None else dtype
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if dtype not in (dtypes.float32, dtypes.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    return dtype


def _constant(M: int, n: int, dtype: dtypes.dtype, requires_grad: bool) -> Tensor:
    """The empty window (M == 0) or the one-element window of ones (M == 1)."""
    make = _torch("empty") if n == 0 else _torch("ones")
    return make((n,), dtype=dtype, requires_grad=requires_grad)


def _line(start: Any, end: Any, M: int, dtype: dtypes.dtype, requires_grad: bool) -> Tensor:
    return _torch("linspace")(start=start, end=end, steps=M, dtype=dtype, requires_grad=requires_grad)


def _periodic(M: int, sym: bool) -> bool:
    return not sym and M > 1


@op("exponential", method=False, namespace=NS)
def exponential(M: int, *, center: float | None = None, tau: float = 1.0, sym: bool = True, dtype: Any = None,
                layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    dtype = _checked("exponential", M, dtype)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if M == 0:
        return _constant(M, 0, dtype, requires_grad)
    if center is None:
        center = (M if _periodic(M, sym) else M - 1) / 2.0
    rate = 1 / tau
    k = _line(-center * rate, (-center + (M - 1)) * rate, M, dtype, requires_grad)
    return _torch("exp")(-_torch("abs")(k))


@op("cosine", method=False, namespace=NS)
def cosine(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    dtype = _checked("cosine", M, dtype)
    if M == 0:
        return _constant(M, 0, dtype, requires_grad)
    step = math.pi / (M + 1 if _periodic(M, sym) else M)
    k = _line(0.5 * step, (0.5 + (M - 1)) * step, M, dtype, requires_grad)
    return _torch("sin")(k)


@op("gaussian", method=False, namespace=NS)
def gaussian(M: int, *, std: float = 1.0, sym: bool = True, dtype: Any = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    dtype = _checked("gaussian", M, dtype)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if M == 0:
        return _constant(M, 0, dtype, requires_grad)
    start = -(M if _periodic(M, sym) else M - 1) / 2.0
    scale = 1 / (std * math.sqrt(2))
    k = _line(start * scale, (start + (M - 1)) * scale, M, dtype, requires_grad)
    return _torch("exp")(-(k**2))


@op("kaiser", method=False, namespace=NS)
def kaiser(M: int, *, beta: float = 12.0, sym: bool = True, dtype: Any = None, layout: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    dtype = _checked("kaiser", M, dtype)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    if M <= 1:
        return _constant(M, M, dtype, requires_grad)
    b = _torch("tensor")(beta, dtype=dtype)
    start = -b
    step = 2.0 * b / (M if not sym else M - 1)
    end = _torch("minimum")(b, start + (M - 1) * step)
    k = _line(start.item(), end.item(), M, dtype, requires_grad)
    i0 = _torch("i0")
    return i0(_torch("sqrt")(b * b - _torch("pow")(k, 2))) / i0(b)


@op("general_cosine", method=False, namespace=NS)
def general_cosine(M: int, *, a: Iterable, sym: bool = True, dtype: Any = None, layout: Any = None,
                   device: Any = None, requires_grad: bool = False) -> Tensor:
    dtype = _checked("general_cosine", M, dtype)
    if M <= 1:
        return _constant(M, M, dtype, requires_grad)
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    step = 2 * math.pi / (M if not sym else M - 1)
    k = _line(0, (M - 1) * step, M, dtype, requires_grad)
    coefficients = _torch("tensor")([(-1) ** i * w for i, w in enumerate(a)], dtype=dtype,
                                     requires_grad=requires_grad)
    i = _torch("arange")(coefficients.shape[0], dtype=dtype, requires_grad=coefficients.requires_grad)
    return (coefficients.unsqueeze(-1) * _torch("cos")(i.unsqueeze(-1) * k)).sum(0)


@op("general_hamming", method=False, namespace=NS)
def general_hamming(M: int, *, alpha: float = 0.54, sym: bool = True, dtype: Any = None, layout: Any = None,
                    device: Any = None, requires_grad: bool = False) -> Tensor:
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, requires_grad=requires_grad)


@op("hamming", method=False, namespace=NS)
def hamming(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    return general_hamming(M, sym=sym, dtype=dtype, requires_grad=requires_grad)


@op("hann", method=False, namespace=NS)
def hann(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, requires_grad=requires_grad)


@op("blackman", method=False, namespace=NS)
def blackman(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    dtype = _checked("blackman", M, dtype)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, requires_grad=requires_grad)


@op("bartlett", method=False, namespace=NS)
def bartlett(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    dtype = _checked("bartlett", M, dtype)
    if M <= 1:
        return _constant(M, M, dtype, requires_grad)
    step = 2 / (M if not sym else M - 1)
    k = _line(-1, -1 + (M - 1) * step, M, dtype, requires_grad)
    return 1 - _torch("abs")(k)


@op("nuttall", method=False, namespace=NS)
def nuttall(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym, dtype=dtype,
                          requires_grad=requires_grad)
