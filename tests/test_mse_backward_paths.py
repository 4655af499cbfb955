"""mse_loss's gradient: the numpy path of a plain backward gives the bits of the Tensor-op path (taken under
create_graph) and of PyTorch, for every reduction, broadcasting, 0-d inputs and a target that requires grad."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

SHAPES = [((64, 1), (64, 1)), ((37, 5), (37, 5)), ((), ()), ((8, 1), (8,)), ((3, 4, 5), (4, 5))]


def _grads(lib: object, x: np.ndarray, y: np.ndarray, reduction: str, create_graph: bool) -> list:
    a = lib.tensor(x, requires_grad=True)  # type: ignore[attr-defined]
    b = lib.tensor(y, requires_grad=True)  # type: ignore[attr-defined]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broadcasting warning
        loss = lib.nn.functional.mse_loss(a, b, reduction=reduction)  # type: ignore[attr-defined]
    seed = np.random.default_rng(1).standard_normal(tuple(loss.shape)).astype(x.dtype)
    ga, gb = lib.autograd.grad(loss, (a, b), lib.tensor(seed), create_graph=create_graph)  # type: ignore[attr-defined]
    return [ga.detach().numpy().tobytes(), gb.detach().numpy().tobytes()]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("xs", "ys"), SHAPES)
def test_mse_loss_gradient_bits(xs: tuple, ys: tuple, reduction: str, dtype: str) -> None:
    rng = np.random.default_rng(len(xs) + len(ys))
    x = np.asarray(rng.standard_normal(xs) * 3, dtype=dtype)
    y = np.asarray(rng.standard_normal(ys), dtype=dtype)
    if x.size > 2 and x.shape == y.shape:
        y.flat[:2] = x.flat[:2]  # equal entries: the gradient's zeros keep their sign
    plain = _grads(gtorch, x, y, reduction, create_graph=False)
    assert plain == _grads(gtorch, x, y, reduction, create_graph=True)
    assert plain == _grads(torch_real, x, y, reduction, create_graph=False)
