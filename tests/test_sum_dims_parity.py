"""sum and mean over dims, bit for bit as PyTorch where the order is modelled (ops/sum_orders.py, ops/sum_iter.py):
leading dims (a bias's gradient), trailing dims (`sum(-1)`), every dim, middle and scattered dims of contiguous
and transposed inputs, float32 and float64, with and without keepdim."""

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
         ((40000, 3), (1,)), ((2, 70000), (1,)), ((6, 1), (1,)),
         # middle and scattered dims (ops/sum_iter.py): every 2-D kernel path, outer loops over reduced dims
         ((4, 50, 3), (1,)), ((4, 50, 3), (0, 2)), ((5, 300, 7), (1,)), ((2, 600, 33), (1,)), ((8, 1000, 8), (1,)),
         ((3, 4, 5, 6), (1, 2)), ((3, 4, 5, 6), (0, 2)), ((3, 4, 5, 6), (1, 3)), ((6, 9, 40), (1,)),
         ((3, 7, 2, 5), (1,)), ((2, 5, 9, 300), (0, 2)), ((1, 33, 9, 513), (1, 2, 3)), ((9, 1, 7), (0, 1))]


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


def _sweep_case(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    ndim = int(rng.integers(3, 5))
    shape = [int(rng.choice([1, 2, 3, 5, 7, 8, 9, 16, 33, 64, 300, 513])) for _ in range(ndim)]
    while np.prod(shape) > 400_000:
        shape[int(rng.integers(ndim))] = int(rng.integers(1, 6))
    dims = tuple(sorted(rng.choice(ndim, int(rng.integers(1, ndim)), replace=False).tolist()))
    dtype = ["float32", "float64"][seed % 2]
    return rng.normal(0, 100, shape).astype(dtype), dims


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("seed", range(40))
def test_random_shapes_and_dims_match_torch(seed: int, transpose: bool) -> None:
    x, dims = _sweep_case(seed)
    ref_in, mine_in = torch_real.from_numpy(x), gtorch.tensor(x)
    if transpose:  # a permuted view: TensorIterator reorders the dims by stride
        ref_in, mine_in = ref_in.transpose(0, -1), mine_in.transpose(0, -1)
    for keepdim in (False, True):
        for name in ("sum", "mean"):
            ref = getattr(ref_in, name)(dims, keepdim=keepdim).numpy()
            mine = getattr(mine_in, name)(dims, keepdim=keepdim).numpy()
            assert ref.shape == mine.shape, (x.shape, dims, name, keepdim)
            assert ref.tobytes() == mine.tobytes(), (x.shape, dims, name, keepdim)


def test_middle_dim_sum_differs_from_numpys_order() -> None:
    # guards the sweep above against testing nothing: numpy's pairwise order misses torch's bits here
    x = np.random.default_rng(0).normal(0, 100, (4, 300, 9)).astype(np.float32)
    ref = torch_real.from_numpy(x).sum(1).numpy()
    assert x.sum(1).tobytes() != ref.tobytes()
    assert gtorch.tensor(x).sum(1).numpy().tobytes() == ref.tobytes()
