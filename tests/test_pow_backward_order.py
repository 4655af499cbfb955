"""x ** s's gradient rounds as PyTorch's pow_backward: grad * (s * x.pow(s - 1)), the exponent multiplying the
power first. (grad * s) * x.pow(s - 1) gives other float32 bits for an s that is not a power of two."""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", [2, 3, 3.0, 1])  # exponents whose forward power gradsh computes exactly
def test_pow_gradient_bits(exponent: float, dtype: str) -> None:
    rng = np.random.default_rng(17)
    x, g = (rng.standard_normal(20_000).astype(dtype) for _ in range(2))
    ref = torch_real.tensor(x, requires_grad=True)
    (ref ** exponent).backward(torch_real.tensor(g))
    mine = gtorch.tensor(x, requires_grad=True)
    (mine ** exponent).backward(gtorch.tensor(g))
    assert mine.grad.numpy().tobytes() == ref.grad.numpy().tobytes()


def test_pow_double_backward_still_differentiates() -> None:
    x = gtorch.tensor([1.5, -2.0, 0.25], dtype=gtorch.float64, requires_grad=True)
    (gx,) = gtorch.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (ggx,) = gtorch.autograd.grad(gx.sum(), x)
    assert ggx.tolist() == [6 * v for v in (1.5, -2.0, 0.25)]
