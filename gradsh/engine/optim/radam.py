"""torch.optim.RAdam (Adam with the variance rectification term)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._numerics import (
    addcmul,
    check_betas,
    check_lr,
    check_nonnegative,
    fma_add,
    increment,
    lerp,
    like,
    scalar,
    scalar_tensor,
    write,
)
from ._paramwise import ParamwiseOptimizer


class RAdam(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach: Any = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative("epsilon", eps)
        check_betas(betas)
        check_nonnegative("weight_decay", weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable, "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        state["step"] = scalar_tensor()
        state["exp_avg"] = like(p)
        state["exp_avg_sq"] = like(p)

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        lr, (beta1, beta2), eps = scalar(group["lr"]), group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        pd = p._data
        f = pd.dtype.type
        step = increment(state["step"])
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                write(p, (pd * f(1 - lr * weight_decay)).astype(pd.dtype))
                pd = p._data
            else:
                g = fma_add(g, pd, weight_decay)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        write(exp_avg, lerp(exp_avg._data, g, 1 - beta1))
        write(exp_avg_sq, addcmul((exp_avg_sq._data * f(beta2)).astype(pd.dtype), g, g, 1 - beta2))
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        corrected = (exp_avg._data / f(bias_correction1)).astype(pd.dtype)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = (f(bias_correction2 ** 0.5) / (np.sqrt(exp_avg_sq._data) + f(eps))).astype(pd.dtype)
            update = ((corrected * f(lr)).astype(pd.dtype) * adaptive).astype(pd.dtype) * f(rect)
        else:
            update = corrected * f(lr)
        write(p, (pd - update.astype(pd.dtype)).astype(pd.dtype))
