"""torch.optim.Adadelta."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._numerics import (
    addcmul,
    check_lr,
    check_nonnegative,
    fma_add,
    increment,
    like,
    scalar,
    scalar_tensor,
    write,
)
from ._paramwise import ParamwiseOptimizer


class Adadelta(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach: Any = None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative("epsilon", eps)
        check_nonnegative("weight_decay", weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        state["step"] = scalar_tensor()
        state["square_avg"] = like(p)
        state["acc_delta"] = like(p)

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        lr, rho, eps, weight_decay = scalar(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
        pd = p._data
        f = pd.dtype.type
        increment(state["step"])
        if weight_decay != 0:
            g = fma_add(g, pd, weight_decay)
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        write(square_avg, addcmul((square_avg._data * f(rho)).astype(pd.dtype), g, g, 1 - rho))
        std = np.sqrt(square_avg._data + f(eps))
        delta = (np.sqrt(acc_delta._data + f(eps)) / std * g).astype(pd.dtype)
        write(acc_delta, addcmul((acc_delta._data * f(rho)).astype(pd.dtype), delta, delta, 1 - rho))
        write(p, fma_add(pd, delta, -lr))
