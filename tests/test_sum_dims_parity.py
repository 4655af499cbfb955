"""sum and mean over dims, bit for bit as PyTorch where the order is modelled (ops/sum_orders.py): leading
dims (a bias's gradient), trailing dims (`sum(-1)`), every dim, float32 and float64, with and without keepdim."""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

CASES = [((100, 50), (1,)), ((100, 5), (1,)), ((64, 300), (-1,)), ((10, 20, 30), (2,)), ((10, 20, 30), (1, 2)),
         ((20, 30), (0,)), ((20, 30), (0, 1)), ((7,), (0,)), ((3, 4), (-1,)), ((4, 3, 9000), (2,)),
         ((40000, 3), (1,)), ((2, 70000), (1,)), ((6, 1), (1,))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("shape", "dims"), CASES)
def test_sum_and_mean_over_dims(shape: tuple, dims: tuple, dtype: str) -> None:
    x = np.random.default_rng(sum(shape)).normal(0, 100, shape).astype(dtype)
    for keepdim in (False, True):
        for name in ("sum", "mean"):
            ref = getattr(torch_real.from_numpy(x), name)(dims, keepdim=keepdim).numpy()
            mine = getattr(gtorch.tensor(x), name)(dims, keepdim=keepdim).numpy()
            assert ref.shape == mine.shape and ref.dtype == mine.dtype, (name, keepdim)
            assert ref.tobytes() == mine.tobytes(), (name, keepdim)


def test_a_column_broadcast_gradient_sums_in_pytorch_order() -> None:
    # x (n, 1) + y (n, m): x's gradient sums each row of the incoming gradient (a trailing-dim sum)
    rng = np.random.default_rng(4)
    x, y, g = rng.standard_normal((50, 1)), rng.standard_normal((50, 300)), rng.standard_normal((50, 300))
    x, y, g = (a.astype(np.float32) for a in (x, y, g))
    grads = []
    for lib in (torch_real, gtorch):
        a = lib.tensor(x, requires_grad=True)
        (a + lib.tensor(y)).backward(lib.tensor(g))
        grads.append(a.grad.numpy().tobytes())
    assert grads[0] == grads[1]
