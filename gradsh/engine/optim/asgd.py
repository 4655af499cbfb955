"""torch.optim.ASGD (averaged SGD): eta, mu and the running average ax in the state."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._numerics import check_lr, check_nonnegative, fma_add, increment, like, scalar, scalar_tensor, write
from ._paramwise import ParamwiseOptimizer


class ASGD(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, foreach: Any = None, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_lr(lr)
        check_nonnegative("weight_decay", weight_decay)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        state["step"] = scalar_tensor()
        state["eta"] = scalar_tensor(scalar(group["lr"]))
        state["mu"] = scalar_tensor(1.0)
        state["ax"] = like(p)

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        lr, lambd, alpha, t0 = scalar(group["lr"]), group["lambd"], group["alpha"], group["t0"]
        weight_decay = group["weight_decay"]
        pd = p._data
        f = pd.dtype.type
        step = increment(state["step"])
        if weight_decay != 0:
            g = fma_add(g, pd, weight_decay)
        eta, mu, ax = state["eta"], state["mu"], state["ax"]
        eta_value = float(eta._data)
        write(p, (pd * f(1 - lambd * eta_value)).astype(pd.dtype))
        write(p, fma_add(p._data, g, -eta_value))
        pd = p._data
        if float(mu._data) != 1:
            write(ax, (ax._data + ((pd - ax._data) * mu._data.astype(pd.dtype))).astype(pd.dtype))
        else:
            write(ax, pd.copy())
        write(eta, np.array(lr / ((1 + lambd * lr * step) ** alpha), dtype=eta._data.dtype))
        write(mu, np.array(1 / max(1, step - t0), dtype=mu._data.dtype))
