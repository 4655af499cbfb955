"""torch.optim: Optimizer (param_groups, state, zero_grad, state_dict), SGD, Adam and AdamW.

Updates follow PyTorch 2.13's single-tensor CPU code paths step by step, in float32 where PyTorch
rounds to float32: `p.add_(g, alpha=a)` is the fused multiply-add of the AVX2 kernel (computed here
in float64 and rounded once), scalars are cast to the tensor's dtype before use. Parameters are
written in place (their arrays keep any views) and their version counters grow by one per write,
as PyTorch's in-place ops do; nothing is recorded (step runs under no_grad).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from copy import deepcopy
from typing import Any

import numpy as np

from . import dtypes
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor


def _fma_add(a: np.ndarray, b: np.ndarray, alpha: Any) -> np.ndarray:
    """a + alpha * b as PyTorch's CPU add kernel gives it (one rounding, alpha cast to the dtype first)."""
    dt = a.dtype
    if dt == np.float64:
        return a + alpha * b
    al = np.float64(dt.type(alpha))
    return (a.astype(np.float64) + al * b.astype(np.float64)).astype(dt)


def _write(t: Tensor, value: np.ndarray) -> None:
    """Store `value` into t's array in place (views of it see the change) and bump t's version."""
    data = t._data
    if data.flags.writeable and data.shape == value.shape:
        data[...] = value
    else:
        t._data = np.array(value, dtype=data.dtype)
    t._vc[0] += 1


class _RequiredParameter:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """The base class: param_groups (each a dict with 'params' first, then the defaults), per-param state."""

    def __init__(self, params: Any, defaults: dict) -> None:
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {params.dtype.legacy_type}")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group: dict) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict:
        index: dict[int, int] = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {index[id(p)]: v for p, v in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = deepcopy(state_dict)
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = {}
        for group, saved in zip(self.param_groups, groups):
            for i, p in zip(saved["params"], group["params"]):
                id_map[i] = p
            for k, v in saved.items():
                if k != "params":
                    group[k] = v
        self.state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                self.state[id_map[k]] = v

    def __repr__(self) -> str:
        out = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += "\n"
            out += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        return out + ")"

    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}


class SGD(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach: Any = None,
                 differentiable: bool = False, fused: Any = None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach, "differentiable": differentiable,
                    "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update_group(self, group: dict) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad._data
            if maximize:
                g = -g
            pd = p._data
            if weight_decay != 0:
                g = _fma_add(g, pd, weight_decay)
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = Tensor._wrap(np.array(g, dtype=pd.dtype), p.dtype)
                    state["momentum_buffer"] = buf
                else:
                    scaled = (buf._data * buf._data.dtype.type(momentum)).astype(buf._data.dtype)
                    _write(buf, scaled)
                    _write(buf, _fma_add(buf._data, g, 1 - dampening))
                g = _fma_add(g, buf._data, momentum) if nesterov else buf._data
            _write(p, _fma_add(pd, g, -lr))


class Adam(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: Any = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused: Any = None,
                 decoupled_weight_decay: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _update_group(self, group: dict) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            pd = p._data
            f = pd.dtype.type
            g = p.grad._data
            if maximize:
                g = -g
            state = self.state[p]
            if not state:
                state["step"] = Tensor._wrap(np.array(0.0, dtype=np.float32), dtypes.float32)
                state["exp_avg"] = Tensor._wrap(np.zeros_like(pd), p.dtype)
                state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(pd), p.dtype)
                if amsgrad:
                    state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(pd), p.dtype)
            step_t, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
            _write(step_t, np.array(step_t._data + np.float32(1), dtype=np.float32))
            if weight_decay != 0:
                if decoupled:
                    _write(p, (pd * f(1 - lr * weight_decay)).astype(pd.dtype))
                else:
                    g = _fma_add(g, pd, weight_decay)
            # exp_avg.lerp_(grad, 1 - beta1): start + w * (end - start), fused, for w < 0.5
            m = exp_avg._data
            w = 1 - beta1
            diff = (g - m).astype(pd.dtype)
            if f(w) < 0.5:
                _write(exp_avg, _fma_add(m, diff, w))
            else:
                _write(exp_avg, _fma_add(g, diff, -(1 - f(w))))
            # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2): separate roundings
            v = (exp_avg_sq._data * f(beta2)).astype(pd.dtype)
            _write(exp_avg_sq, (v + (f(1 - beta2) * g) * g).astype(pd.dtype))
            step = float(step_t._data)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2 ** 0.5
            if amsgrad:
                mx = state["max_exp_avg_sq"]
                _write(mx, np.maximum(mx._data, exp_avg_sq._data))
                source = mx._data
            else:
                source = exp_avg_sq._data
            denom = (np.sqrt(source) / f(bias_correction2_sqrt)).astype(pd.dtype) + f(eps)
            # param.addcdiv_(exp_avg, denom, value=-step_size): self + value * t1 / t2
            _write(p, (pd + (f(-step_size) * exp_avg._data) / denom).astype(pd.dtype))


class AdamW(Adam):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False, foreach: Any = None,
                 capturable: bool = False, differentiable: bool = False, fused: Any = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]
