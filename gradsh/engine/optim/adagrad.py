"""torch.optim.Adagrad (state made for every parameter at construction, as PyTorch does)."""

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
    like,
    scalar,
    scalar_tensor,
    write,
)
from ._paramwise import ParamwiseOptimizer


class Adagrad(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: Any = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: Any = None) -> None:
        check_lr(lr)
        check_nonnegative("lr_decay", lr_decay)
        check_nonnegative("weight_decay", weight_decay)
        check_nonnegative("initial_accumulator_value", initial_accumulator_value)
        check_nonnegative("epsilon", eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = scalar_tensor()
                state["sum"] = like(p, group["initial_accumulator_value"])

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        lr, lr_decay, eps, weight_decay = scalar(group["lr"]), group["lr_decay"], group["eps"], group["weight_decay"]
        pd = p._data
        step = increment(state["step"])
        if weight_decay != 0:
            g = fma_add(g, pd, weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)
        total = state["sum"]
        write(total, addcmul(total._data, g, g, 1))
        std = np.sqrt(total._data) + pd.dtype.type(eps)
        write(p, addcdiv(pd, g, std, -clr))
