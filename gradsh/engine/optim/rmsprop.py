"""torch.optim.RMSprop: plain, centered, with momentum."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._numerics import (
    addcdiv,
    addcmul,
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


class RMSprop(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: Any = None, maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative("epsilon", eps)
        check_nonnegative("momentum", momentum)
        check_nonnegative("weight_decay", weight_decay)
        check_nonnegative("alpha", alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        state["step"] = scalar_tensor()
        state["square_avg"] = like(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = like(p)
        if group["centered"]:
            state["grad_avg"] = like(p)

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        lr, alpha, eps, momentum = scalar(group["lr"]), group["alpha"], group["eps"], group["momentum"]
        weight_decay, centered = group["weight_decay"], group["centered"]
        pd = p._data
        f = pd.dtype.type
        increment(state["step"])
        if weight_decay != 0:
            g = fma_add(g, pd, weight_decay)
        square_avg = state["square_avg"]
        write(square_avg, addcmul((square_avg._data * f(alpha)).astype(pd.dtype), g, g, 1 - alpha))
        if centered:
            grad_avg = state["grad_avg"]
            write(grad_avg, lerp(grad_avg._data, g, 1 - alpha))
            avg = np.sqrt(addcmul(square_avg._data, grad_avg._data, grad_avg._data, -1))
        else:
            avg = np.sqrt(square_avg._data)
        avg = avg + f(eps)
        if momentum > 0:
            buf = state["momentum_buffer"]
            write(buf, addcdiv((buf._data * f(momentum)).astype(pd.dtype), g, avg, 1))
            write(p, fma_add(pd, buf._data, -lr))
        else:
            write(p, addcdiv(pd, g, avg, -lr))
