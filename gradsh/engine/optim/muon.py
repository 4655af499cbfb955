"""torch.optim.Muon: momentum orthogonalised by a Newton-Schulz iteration, which PyTorch runs in bfloat16.

numpy has no bfloat16, so each bfloat16 op is computed exactly enough (in float64) and rounded to bfloat16 once
(round half to even), as PyTorch's CPU kernels accumulate in float and round once per op: bit for bit on
optim_db's problems.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..random import round_to_bfloat16
from ..tensor import Tensor
from ._numerics import fma_add, lerp, like, scalar, write
from ._paramwise import ParamwiseOptimizer

_DEFAULT_COEFFICIENTS = (3.4445, -4.775, 2.0315)


def _bf16(values: np.ndarray | float) -> np.ndarray:
    """Values rounded to bfloat16 through float32, as PyTorch converts (doubles reach bfloat16 via float)."""
    return round_to_bfloat16(np.asarray(values, dtype=np.float64).astype(np.float32))


def _newton_schulz(grad: np.ndarray, coefficients: tuple, steps: int, eps: float) -> np.ndarray:
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = coefficients
    x = _bf16(grad)
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    norm = _bf16(np.sqrt(np.sum(x.astype(np.float64) ** 2)))
    x = _bf16(x / max(norm, _bf16(eps)))
    for _ in range(steps):
        x64 = x.astype(np.float64)
        gram = _bf16(x64 @ x64.T).astype(np.float64)
        gram_update = _bf16(b * gram + c * (gram @ gram)).astype(np.float64)
        x = _bf16(a * x64 + gram_update @ x64)
    return x.T if tall else x


def _adjusted_lr(lr: float, adjust_lr_fn: str | None, shape: tuple) -> float:
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr


class Muon(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 1e-3, weight_decay: float = 0.1, momentum: float = 0.95,
                 nesterov: bool = True, ns_coefficients: tuple = _DEFAULT_COEFFICIENTS, eps: float = 1e-7,
                 ns_steps: int = 5, adjust_lr_fn: str | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum, "nesterov": nesterov,
                    "ns_coefficients": ns_coefficients, "eps": eps, "ns_steps": ns_steps,
                    "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    def _check_param(self, p: Tensor) -> None:
        if p.dtype.is_complex:
            raise RuntimeError("Muon does not support complex parameters")

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        state["momentum_buffer"] = like(p.grad)

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        lr, weight_decay, momentum = scalar(group["lr"]), group["weight_decay"], group["momentum"]
        if g.ndim != 2:
            raise ValueError("Param gradient must be a 2D matrix")
        buf = state["momentum_buffer"]
        write(buf, lerp(buf._data, g, 1 - momentum))
        update = lerp(g, buf._data, momentum) if group["nesterov"] else buf._data
        update = _newton_schulz(update, group["ns_coefficients"], group["ns_steps"], group["eps"])
        pd = p._data
        write(p, (pd * pd.dtype.type(1 - lr * weight_decay)).astype(pd.dtype))
        write(p, fma_add(p._data, update.astype(pd.dtype), -_adjusted_lr(lr, group["adjust_lr_fn"], p.shape)))
