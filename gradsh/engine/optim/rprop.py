"""torch.optim.Rprop (resilient backpropagation: per-element step sizes driven by gradient signs)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._numerics import check_lr, increment, like, scalar, scalar_tensor, write
from ._paramwise import ParamwiseOptimizer


class Rprop(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 1e-2, etas: tuple = (0.5, 1.2), step_sizes: tuple = (1e-6, 50), *,
                 capturable: bool = False, foreach: Any = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        state["step"] = scalar_tensor()
        state["prev"] = like(p)
        state["step_size"] = like(p, scalar(group["lr"]))

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        pd = p._data
        f = pd.dtype.type
        increment(state["step"])
        prev, step_size = state["prev"], state["step_size"]
        sign = np.sign(g * prev._data)
        factor = np.where(sign > 0, f(etaplus), np.where(sign < 0, f(etaminus), f(1))).astype(pd.dtype)
        write(step_size, np.clip((step_size._data * factor).astype(pd.dtype), f(step_size_min),
                                 f(step_size_max)).astype(pd.dtype))
        g = np.where(factor == f(etaminus), f(0), g).astype(pd.dtype)
        write(p, (pd - np.sign(g) * step_size._data).astype(pd.dtype))
        write(prev, g)
