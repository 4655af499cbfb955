"""torch.optim.Adam and AdamW (Adam with decoupled weight decay), amsgrad, maximize."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._numerics import (
    addcmul,
    check_betas,
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


def _check_tensor_hyper(name: str, value: Any, foreach: Any, capturable: bool) -> None:
    if isinstance(value, Tensor):
        if foreach and not capturable:
            raise ValueError(f"{name} as a Tensor is not supported for capturable=False and foreach=True")
        if value.numel() != 1:
            raise ValueError(f"Tensor {name} must be 1-element")


class Adam(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: Any = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused: Any = None,
                 decoupled_weight_decay: bool = False) -> None:
        _check_tensor_hyper("lr", lr, foreach, capturable)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_betas(betas)
        check_nonnegative("weight_decay", weight_decay)
        if not (all(isinstance(b, float) for b in betas[:2]) or all(isinstance(b, Tensor) for b in betas[:2])):
            raise ValueError("betas must be either both floats or both Tensors")
        _check_tensor_hyper("betas[0]", betas[0], foreach, capturable)
        _check_tensor_hyper("betas[1]", betas[1], foreach, capturable)
        betas = tuple(scalar(b) for b in betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        state["step"] = scalar_tensor()
        state["exp_avg"] = like(p)
        state["exp_avg_sq"] = like(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = like(p)

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        lr, (beta1, beta2), eps = scalar(group["lr"]), group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        pd = p._data
        f = pd.dtype.type
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        step = increment(state["step"])
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                write(p, (pd * f(1 - lr * weight_decay)).astype(pd.dtype))
                pd = p._data
            else:
                g = fma_add(g, pd, weight_decay)
        write(exp_avg, lerp(exp_avg._data, g, 1 - beta1))
        write(exp_avg_sq, addcmul((exp_avg_sq._data * f(beta2)).astype(pd.dtype, copy=False), g, g, 1 - beta2))
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        if group["amsgrad"]:
            mx = state["max_exp_avg_sq"]
            write(mx, np.maximum(mx._data, exp_avg_sq._data))
            source = mx._data
        else:
            source = exp_avg_sq._data
        denom = (np.sqrt(source) / f(bias_correction2 ** 0.5)).astype(pd.dtype, copy=False) + f(eps)
        write(p, (pd + (f(-step_size) * exp_avg._data) / denom).astype(pd.dtype, copy=False))

class AdamW(Adam):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False, foreach: Any = None,
                 capturable: bool = False, differentiable: bool = False, fused: Any = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
