"""grid_sampler_3d's float32 gradients (trilinear, zeros padding) bit for bit as PyTorch's CPU kernel.

The other modes and paddings keep the differentiated composition (within assert_close); create_graph too.
"""

from __future__ import annotations

import numpy as np
import pytest
from snippet_parity import real_torch

from gradsh import torch as gtorch
from gradsh.testing import gradcheck

torch_real = real_torch()


def _case(rng: np.random.Generator) -> tuple:
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 6))
    size = tuple(int(v) for v in rng.integers(1, 7, 3))
    out = tuple(int(v) for v in rng.integers(1, 6, 3))
    x = rng.standard_normal((n, c, *size)).astype(np.float32)
    grid = (rng.random((n, *out, 3)) * 2.4 - 1.2).astype(np.float32)  # some corners fall outside
    return x, grid, rng.standard_normal((n, c, *out)).astype(np.float32)


def _grads(mod, x: np.ndarray, grid: np.ndarray, go: np.ndarray, padding: int, align: bool) -> list:
    xt = mod.tensor(x, requires_grad=True)
    gt = mod.tensor(grid, requires_grad=True)
    out = mod.grid_sampler_3d(xt, gt, 0, padding, align)
    return [t.detach().numpy() for t in (out, *mod.autograd.grad(out, [xt, gt], mod.tensor(go)))]


@pytest.mark.parity
@pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")
@pytest.mark.parametrize("align", [False, True])
def test_grid_gradient_is_bit_exact(align: bool) -> None:
    rng = np.random.default_rng(int(align))
    for _ in range(25):
        x, grid, go = _case(rng)
        ref = _grads(torch_real, x, grid, go, 0, align)
        got = _grads(gtorch, x, grid, go, 0, align)
        for r, g in zip(ref, got):  # output, input's gradient, grid's gradient
            assert g.tobytes() == r.tobytes(), (x.shape, grid.shape)


@pytest.mark.parity
@pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")
@pytest.mark.parametrize("padding", [1, 2])
def test_other_paddings_keep_the_composition(padding: int) -> None:
    rng = np.random.default_rng(7 + padding)
    x, grid, go = _case(rng)
    for r, g in zip(_grads(torch_real, x, grid, go, padding, False), _grads(gtorch, x, grid, go, padding, False)):
        np.testing.assert_allclose(g, r, rtol=1.3e-6, atol=1e-5)


def test_create_graph_differentiates_the_composition() -> None:
    gtorch.manual_seed(0)
    x = gtorch.randn(1, 2, 3, 3, 3, dtype=gtorch.float64, requires_grad=True)
    grid = (gtorch.rand(1, 2, 2, 2, 3, dtype=gtorch.float64) * 1.6 - 0.8).requires_grad_()
    assert gradcheck(lambda a, b: gtorch.grid_sampler_3d(a, b, 0, 0, False), (x, grid))
    out = gtorch.grid_sampler_3d(x.float(), grid.float(), 0, 0, False)
    (gg,) = gtorch.autograd.grad(out.pow(2).sum(), [grid], create_graph=True)
    assert gg.grad_fn is not None and gg.dtype is gtorch.float64
