"""torch.optim.NAdam (Adam with Nesterov momentum and a momentum-decay schedule)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._numerics import (
    addcdiv,
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


class NAdam(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 foreach: Any = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative("epsilon", eps)
        check_betas(betas)
        check_nonnegative("weight_decay", weight_decay)
        check_nonnegative("momentum_decay", momentum_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        state["step"] = scalar_tensor()
        state["mu_product"] = scalar_tensor(1.0)
        state["exp_avg"] = like(p)
        state["exp_avg_sq"] = like(p)

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        lr, (beta1, beta2), eps = scalar(group["lr"]), group["betas"], group["eps"]
        weight_decay, momentum_decay = group["weight_decay"], group["momentum_decay"]
        pd = p._data
        f = pd.dtype.type
        step = increment(state["step"])
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                write(p, (pd * f(1 - lr * weight_decay)).astype(pd.dtype))
                pd = p._data
            else:
                g = fma_add(g, pd, weight_decay)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product = state["mu_product"]
        write(mu_product, (mu_product._data * mu_product._data.dtype.type(mu)).astype(mu_product._data.dtype))
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        write(exp_avg, lerp(exp_avg._data, g, 1 - beta1))
        write(exp_avg_sq, addcmul((exp_avg_sq._data * f(beta2)).astype(pd.dtype), g, g, 1 - beta2))
        denom = np.sqrt((exp_avg_sq._data / f(bias_correction2)).astype(pd.dtype)) + f(eps)
        mp = float(mu_product._data)
        mu_product_next = mp * mu_next
        write(p, addcdiv(pd, g, denom, -lr * (1.0 - mu) / (1.0 - mp)))
        write(p, addcdiv(p._data, exp_avg._data, denom, (-lr * mu_next) / (1.0 - mu_product_next)))
