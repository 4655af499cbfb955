"""torch.optim.Adafactor: factored second moments (row and column variances) for matrices."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._numerics import fma_add, increment, lerp, like, scalar, scalar_tensor, write
from ._paramwise import ParamwiseOptimizer


class Adafactor(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 1e-2, beta2_decay: float = -0.8, eps: tuple = (None, 1e-3),
                 d: float = 1.0, weight_decay: float = 0.0, *, foreach: Any = None, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_param(self, p: Tensor) -> None:
        if p.dtype.is_complex:
            raise RuntimeError("Adafactor does not support complex parameters")

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        shape = p.grad._data.shape
        state["step"] = scalar_tensor()
        if len(shape) > 1:  # factored: a row and a column of variances
            state["row_var"] = Tensor._wrap(np.zeros(shape[:-1] + (1,), dtype=p._data.dtype), p.dtype)
            state["col_var"] = Tensor._wrap(np.zeros(shape[:-2] + (1, shape[-1]), dtype=p._data.dtype), p.dtype)
        else:
            state["variance"] = like(p)

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        lr, beta2_decay, (eps1, eps2) = scalar(group["lr"]), group["beta2_decay"], group["eps"]
        d, weight_decay = group["d"], group["weight_decay"]
        pd = p._data
        f = pd.dtype.type
        e1 = float(np.finfo(pd.dtype).eps) if eps1 is None else eps1
        step = increment(state["step"])
        one_minus_beta2_t = step ** beta2_decay
        rho_t = min(lr, 1 / (step ** 0.5))
        alpha = max(eps2, float(np.sqrt(np.sum(pd.astype(np.float64) ** 2))) / (pd.size ** 0.5)) * rho_t
        if weight_decay != 0:
            write(p, (pd * f(1 - lr * weight_decay)).astype(pd.dtype))
            pd = p._data
        if g.ndim > 1:
            row_var, col_var = state["row_var"], state["col_var"]
            g64 = g.astype(np.float64)
            row_mean = (np.sum(g64 * g64, axis=-1, keepdims=True) / g.shape[-1]).astype(pd.dtype)
            write(row_var, lerp(row_var._data, row_mean, one_minus_beta2_t))
            col_mean = (np.sum(g64 * g64, axis=-2, keepdims=True) / g.shape[-2]).astype(pd.dtype)
            write(col_var, lerp(col_var._data, col_mean, one_minus_beta2_t))
            var_estimate = (row_var._data @ col_var._data).astype(pd.dtype)
            row_mean_all = np.maximum(np.mean(row_var._data, axis=-2, keepdims=True), f(e1))
            var_estimate = (var_estimate / row_mean_all).astype(pd.dtype)
        else:
            variance = state["variance"]
            write(variance, lerp(variance._data, (g * g).astype(pd.dtype), one_minus_beta2_t))
            var_estimate = variance._data.copy()
        update = (f(1) / np.sqrt(np.maximum(var_estimate, f(e1 * e1)))).astype(pd.dtype) * g
        norm = float(np.sqrt(np.sum(update.astype(np.float64) ** 2)))
        denom = max(1.0, norm / ((update.size ** 0.5) * d))
        write(p, fma_add(pd, update.astype(pd.dtype), -alpha / denom))
