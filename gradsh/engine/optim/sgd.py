"""torch.optim.SGD: plain, momentum (with dampening), Nesterov, weight decay, maximize."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._numerics import check_lr, check_nonnegative, fma_add, scalar, write
from ._paramwise import ParamwiseOptimizer


class SGD(ParamwiseOptimizer):
    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach: Any = None,
                 differentiable: bool = False, fused: Any = None) -> None:
        check_lr(lr)
        check_nonnegative("momentum", momentum)
        check_nonnegative("weight_decay", weight_decay)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach, "differentiable": differentiable,
                    "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _keeps_state(self, group: dict) -> bool:
        return group["momentum"] != 0

    def _update_param(self, p: Tensor, g: np.ndarray, state: dict, group: dict) -> None:
        lr, momentum, dampening = scalar(group["lr"]), group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        pd = p._data
        if weight_decay != 0:
            g = fma_add(g, pd, weight_decay)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = Tensor._wrap(np.array(g, dtype=pd.dtype), p.dtype)
                state["momentum_buffer"] = buf
            else:
                write(buf, (buf._data * buf._data.dtype.type(momentum)).astype(buf._data.dtype, copy=False))
                write(buf, fma_add(buf._data, g, 1 - dampening))
            g = fma_add(g, buf._data, momentum) if nesterov else buf._data
        write(p, fma_add(pd, g, -lr))
