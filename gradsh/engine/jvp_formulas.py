"""Forward derivatives that PyTorch writes out itself (derivatives.yaml's `result:` lines) where the
generic route (differentiating the op's backward formula) cannot follow it or would give another value.

`rule_for(name)` gives `rule(args, kwargs, tangent_of, result)`: the tangent of `result`, NO_TANGENT
where PyTorch's formula gives none (an undefined tangent: `unpack_dual` shows None, `func.jvp` zeros),
or None to leave the op to the generic route. Inside a rule, ops on the dual tensors compute plain
values (the forward-AD wrappers are idle while a rule runs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .tensor import Tensor

NO_TANGENT = object()


def _arg(args: tuple, kwargs: dict, pos: int, name: str, default: Any = None) -> Any:
    return args[pos] if len(args) > pos else kwargs.get(name, default)


def _cumprod(args: tuple, kwargs: dict, tangent_of: Callable, result: Tensor) -> Any:
    """cumprod_jvp (FunctionsManual.cpp): the generic formula, and after each first zero the product
    with the tangent in the zero's place."""
    from .ops import elementwise  # cycle: ops import the engine core this module sits beside

    x = _arg(args, kwargs, 0, "input")
    dim = _arg(args, kwargs, 1, "dim")
    dtype = kwargs.get("dtype")
    t = tangent_of(x)
    if t is None or not isinstance(dim, int):
        return None
    gradient = (t / x).cumsum(dim) * result
    if x.dim() == 0:
        out = elementwise.where(x == 0, t, gradient)
    else:
        zeros = x == 0
        first_zero = zeros.logical_and(zeros.cumsum(dim) == 1)
        after_zero = elementwise.where(first_zero, t, x).cumprod(dim)
        out = elementwise.where(first_zero.cumsum(dim).bool(), after_zero, gradient)
    return out.to(dtype if dtype is not None else x.dtype)


def _logcumsumexp(args: tuple, kwargs: dict, tangent_of: Callable, result: Tensor) -> Any:
    """logcumsumexp_jvp: cumsum(exp(x - max) * t) / (cumsum(exp(x - max)) + 1e-13)."""
    x = _arg(args, kwargs, 0, "input")
    dim = _arg(args, kwargs, 1, "dim")
    t = tangent_of(x)
    if t is None or not isinstance(dim, int) or x.is_complex():
        return None
    e = (x - x.max(dim, keepdim=True)[0]).exp()
    return (e * t).cumsum(dim) / (e.cumsum(dim) + 1e-13)


def _scatter_reduce(args: tuple, kwargs: dict, tangent_of: Callable, result: Tensor) -> Any:
    """scatter_reduce_jvp has formulas for sum, mean, amin and amax; for prod it returns no tangent."""
    reduce = _arg(args, kwargs, 4, "reduce")
    return NO_TANGENT if reduce == "prod" else None


def _logsumexp_jvp(x: Tensor, t: Tensor, dim: int) -> Tensor:
    """logsumexp_jvp (FunctionsManual.cpp): sum(e * t) / sum(e) over dim, e = exp(x - amax(x)) (a constant)."""
    e = (x - x.amax(dim, keepdim=True)).exp() if x.numel() > 0 else x.exp()
    return (e * t).sum(dim, keepdim=True) / e.sum(dim, keepdim=True)


def _softmax_args(args: tuple, kwargs: dict) -> tuple:
    x = _arg(args, kwargs, 0, "input")
    dim = _arg(args, kwargs, 1, "dim")
    # (torch.masked.softmax shares the name: its mask keyword leaves it to the generic route)
    plain = (len(args) <= 2 and kwargs.get("dtype") is None and set(kwargs) <= {"input", "dim", "dtype"}
             and isinstance(dim, int) and isinstance(x, Tensor))
    return x, dim, plain and x.is_floating_point()


def _log_softmax(args: tuple, kwargs: dict, tangent_of: Callable, result: Tensor) -> Any:
    """derivatives.yaml: `self_t - logsumexp_jvp(self_p, self_t, {dim}, true)`."""
    x, dim, plain = _softmax_args(args, kwargs)
    t = tangent_of(x) if plain else None
    if t is None:
        return None
    return t - _logsumexp_jvp(x, t, dim)


def _softmax(args: tuple, kwargs: dict, tangent_of: Callable, result: Tensor) -> Any:
    """derivatives.yaml: `result * (self_t - logsumexp_jvp(self_p, self_t, {dim}, true))`."""
    x, dim, plain = _softmax_args(args, kwargs)
    t = tangent_of(x) if plain else None
    if t is None:
        return None
    return result * (t - _logsumexp_jvp(x, t, dim))


_RULES = {
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "cumprod": _cumprod,
    "logcumsumexp": _logcumsumexp,
    "scatter_reduce": _scatter_reduce,
}


def rule_for(name: str) -> Callable | None:
    return _RULES.get(name)
