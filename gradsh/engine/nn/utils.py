"""torch.nn.utils: gradient clipping (clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_)
and parameters_to_vector / vector_to_parameters.

The norms follow PyTorch's order: one norm per gradient, then the norm of those norms, each rounded to the
gradients' dtype; the clip coefficient max_norm / (total_norm + 1e-6), clamped to 1, multiplies every
gradient in place (also when it is 1, as PyTorch does).
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterable

import numpy as np

from ..creation import tensor
from ..grad_mode import no_grad
from ..ops.joining import cat
from ..optim._numerics import write
from ..tensor import Tensor


def _tensor_list(tensors: Tensor | Iterable[Tensor], stacklevel: int) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        return [tensors]
    is_generator = isinstance(tensors, types.GeneratorType)
    tensors = list(tensors)
    if is_generator and len(tensors) == 0:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=stacklevel)
    return tensors


def _vector_norm(values: np.ndarray, norm_type: float) -> float:
    a = np.abs(values.astype(np.float64)).reshape(-1)
    if norm_type == float("inf"):
        return float(a.max()) if a.size else 0.0
    if norm_type == float("-inf"):
        return float(a.min())
    if norm_type == 0:
        return float(np.count_nonzero(a))
    if norm_type == 2:
        return float(np.sqrt(np.sum(a * a)))
    return float(np.sum(a ** norm_type) ** (1.0 / norm_type))


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The norm of the tensors' norms, as a 0-d tensor of their dtype."""
    tensors = _tensor_list(tensors, stacklevel=3)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return tensor(0.0)
    dt = tensors[0].dtype
    norms = np.array([_vector_norm(t._data, norm_type) for t in tensors], dtype=dt.np)
    total = Tensor._wrap(np.array(_vector_norm(norms, norm_type), dtype=dt.np), dt)
    if error_if_nonfinite and not np.isfinite(total._data):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale the gradients by min(1, max_norm / (total_norm + 1e-6))."""
    parameters = _tensor_list(parameters, stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    f = total_norm._data.dtype.type
    coef = np.minimum(f(max_norm) / (total_norm._data + f(1e-6)), f(1.0))
    with no_grad():
        for g in grads:
            write(g, (g._data * coef.astype(g._data.dtype)).astype(g._data.dtype))


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Clip the gradients' total norm to max_norm in place; return the total norm before clipping."""
    parameters = _tensor_list(parameters, stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient to [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for p in _tensor_list(parameters, stacklevel=3):
        g = p.grad
        if g is not None:
            write(g, np.clip(g._data, -clip_value, clip_value).astype(g._data.dtype))


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and concatenated (recorded: the result has a grad_fn)."""
    return cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of vec into the parameters' data."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n


__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters"]
