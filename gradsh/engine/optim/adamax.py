"""torch.optim.Adamax (Adam with the infinity norm)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._numerics import (
    addcdiv,
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


class Adamax(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: Any = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative("epsilon", eps)
        check_betas(betas)
        check_nonnegative("weight_decay", weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        state["step"] = scalar_tensor()
        state["exp_avg"] = like(p)
        state["exp_inf"] = like(p)

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        lr, (beta1, beta2), eps = scalar(group["lr"]), group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        pd = p._data
        f = pd.dtype.type
        step = increment(state["step"])
        if weight_decay != 0:
            g = fma_add(g, pd, weight_decay)
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        write(exp_avg, lerp(exp_avg._data, g, 1 - beta1))
        write(exp_inf, np.maximum((exp_inf._data * f(beta2)).astype(pd.dtype), np.abs(g) + f(eps)))
        clr = lr / (1 - beta1 ** step)
        write(p, addcdiv(pd, exp_avg._data, exp_inf._data, -clr))
