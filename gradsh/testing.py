"""Gradient checks for gradsh's engine: analytical gradients against central finite differences.

`gradcheck(fn, inputs)` compares the Jacobian that gradsh's `torch.autograd.grad` gives (one
vector-Jacobian product per output element) with one computed by central differences in float64.
`gradgradcheck` does the same for the first derivatives built with `create_graph=True`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gradsh import torch


class GradcheckError(AssertionError):
    """The analytical and numerical Jacobians disagree (or a gradient has the wrong shape or dtype)."""


def _outputs(value: Any) -> list:
    """The floating-point tensors of fn's result, in order (integer outputs such as indices are skipped)."""
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    return [t for t in items if isinstance(t, torch.Tensor) and t.is_floating_point()]


def _fresh(inputs: Sequence[Any], arrays: dict[int, np.ndarray]) -> list:
    """New leaf tensors for the inputs, with the arrays given by position replacing their values."""
    out = []
    for i, x in enumerate(inputs):
        if isinstance(x, torch.Tensor):
            data = arrays.get(i, x.detach().numpy())
            out.append(torch.tensor(np.array(data), dtype=x.dtype, requires_grad=x.requires_grad))
        else:
            out.append(x)
    return out


def _flat(value: Any) -> np.ndarray:
    outs = _outputs(value)
    if not outs:
        return np.zeros(0)
    return np.concatenate([np.asarray(t.detach().numpy(), dtype=np.float64).ravel() for t in outs])


def numerical_jacobians(fn: Callable, inputs: Sequence[Any], eps: float = 1e-6) -> list[np.ndarray]:
    """One (outputs, input elements) matrix per input that requires grad, by central differences."""
    jacobians = []
    for i, x in enumerate(inputs):
        if not (isinstance(x, torch.Tensor) and x.requires_grad):
            continue
        base = np.array(x.detach().numpy(), dtype=np.float64)
        columns = []
        for k in range(base.size):
            plus, minus = base.copy(), base.copy()
            plus.flat[k] += eps
            minus.flat[k] -= eps
            f_plus = _flat(fn(*_fresh(inputs, {i: plus})))
            f_minus = _flat(fn(*_fresh(inputs, {i: minus})))
            columns.append((f_plus - f_minus) / (2 * eps))
        n_out = _flat(fn(*_fresh(inputs, {}))).size
        jacobians.append(np.stack(columns, axis=1) if columns else np.zeros((n_out, 0)))
    return jacobians


def analytical_jacobians(fn: Callable, inputs: Sequence[Any]) -> list[np.ndarray]:
    """The same matrices from gradsh's autograd: one `torch.autograd.grad` call per output element."""
    diff = [x for x in inputs if isinstance(x, torch.Tensor) and x.requires_grad]
    outs = _outputs(fn(*inputs))
    rows: list[list[np.ndarray]] = [[] for _ in diff]
    for out in outs:
        for k in range(out.numel()):
            if not out.requires_grad:
                for r, x in zip(rows, diff):
                    r.append(np.zeros(x.numel()))
                continue
            onehot = np.zeros(out.numel())
            onehot[k] = 1.0
            v = torch.tensor(onehot.reshape(tuple(out.shape)), dtype=out.dtype)
            grads = torch.autograd.grad(out, diff, v, retain_graph=True, allow_unused=True)
            for r, x, g in zip(rows, diff, grads):
                if g is None:
                    r.append(np.zeros(x.numel()))
                    continue
                if tuple(g.shape) != tuple(x.shape) or g.dtype != x.dtype:
                    raise GradcheckError(
                        f"gradient of shape {tuple(g.shape)} and dtype {g.dtype} for an input of shape "
                        f"{tuple(x.shape)} and dtype {x.dtype}"
                    )
                r.append(np.asarray(g.detach().numpy(), dtype=np.float64).ravel())
    n_out = sum(t.numel() for t in outs)
    return [np.stack(r) if r else np.zeros((n_out, x.numel())) for r, x in zip(rows, diff)]


def gradcheck(fn: Callable, inputs: Sequence[Any], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3) -> bool:
    """True when every input's analytical Jacobian matches the numerical one; raises GradcheckError otherwise.

    `inputs` are float64 tensors (those with requires_grad are checked) and other arguments passed as they are.
    """
    inputs = tuple(inputs)
    for x in inputs:
        if isinstance(x, torch.Tensor) and x.requires_grad and x.dtype != torch.float64:
            raise GradcheckError(f"gradcheck wants float64 inputs, got {x.dtype}")
    numerical = numerical_jacobians(fn, inputs, eps)
    analytical = analytical_jacobians(fn, inputs)
    for n, (num, ana) in enumerate(zip(numerical, analytical)):
        if num.shape != ana.shape or not np.allclose(ana, num, atol=atol, rtol=rtol):
            raise GradcheckError(
                f"Jacobian mismatch for differentiable input {n}:\nnumerical:\n{num}\nanalytical:\n{ana}"
            )
    return True


def gradgradcheck(fn: Callable, inputs: Sequence[Any], grad_outputs: Sequence[Any] | None = None,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0) -> bool:
    """gradcheck of the vector-Jacobian products that `autograd.grad(..., create_graph=True)` builds.

    Checked with respect to the inputs and to the vectors (random float64 ones unless given).
    """
    inputs = tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [
            torch.tensor(rng.uniform(-1.0, 1.0, tuple(t.shape)), dtype=torch.float64, requires_grad=True)
            for t in _outputs(fn(*inputs))
        ]
    n = len(inputs)

    def first_derivatives(*args: Any) -> tuple:
        ins, vs = args[:n], list(args[n:])
        outs = _outputs(fn(*ins))
        diff = [x for x in ins if isinstance(x, torch.Tensor) and x.requires_grad]
        grads = torch.autograd.grad(outs, diff, vs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol)
