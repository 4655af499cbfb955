"""The per-op hot paths (add/mul without promote2's call, result()'s checks inline; the small-float32 unary
forward calling MKL's kernel directly) give the same tensors as the general path, in every dtype.

Each case runs the op through its operator and compares values, dtype and shape with real PyTorch (parity),
and without torch with the general route (`result(promote2(...))`), which the fast paths skip.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch as gtorch
from gradsh.engine.ops._core import promote2, result

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int8", "uint8", "bool", "complex64"]
SHAPES = [(), (4,), (3, 5)]


def _operands(module: object, dtype: str, shape: tuple, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    a = rng.uniform(-3, 3, shape) if dtype != "bool" else rng.random(shape) < 0.5
    b = rng.uniform(-3, 3, shape) if dtype != "bool" else rng.random(shape) < 0.5
    dt = getattr(module, dtype)
    return module.tensor(a).to(dt), module.tensor(b).to(dt)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["add", "mul"])
def test_same_dtype_fast_path_is_the_general_path(op: str, dtype: str, shape: tuple) -> None:
    a, b = _operands(gtorch, dtype, shape, 1)
    out = a + b if op == "add" else a * b
    x, y, dt = promote2(a, b)
    if dtype == "bool" and op == "add":
        expected = result(x | y, dt)
    else:
        expected = result(x + y if op == "add" else x * y, dt)
    assert type(out) is gtorch.Tensor and out.dtype is dt and out.shape == expected.shape
    assert out._data.dtype == expected._data.dtype
    assert out._data.tobytes() == expected._data.tobytes()
    if dtype == "bfloat16":  # rounded to bfloat16: the low 16 bits of each float32 are zero
        assert not (out._data.view(np.uint32) & 0xFFFF).any()


@pytest.mark.parity
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_add_mul_match_pytorch(dtype: str, shape: tuple) -> None:
    torch = pytest.importorskip("torch")
    for op in ("add", "mul"):
        for scalar in (None, 0.5, 3):
            ga, gb = _operands(gtorch, dtype, shape, 2)
            ta, tb = _operands(torch, dtype, shape, 2)
            mine = getattr(gtorch, op)(ga, gb if scalar is None else scalar)
            ref = getattr(torch, op)(ta, tb if scalar is None else scalar)
            assert str(mine.dtype) == str(ref.dtype) and tuple(mine.shape) == tuple(ref.shape), (op, scalar)
            ref_bits = ref.view(torch.int16).numpy() if ref.dtype == torch.bfloat16 else ref.numpy()
            mine_bits = (mine._data.view(np.uint32) >> 16).astype(np.int16) if dtype == "bfloat16" else mine._data
            assert mine_bits.tobytes() == ref_bits.tobytes(), (op, scalar)


@pytest.mark.parametrize("op", ["tanh", "exp", "sqrt", "sin"])
def test_small_float32_unary_is_the_large_path(op: str) -> None:
    """4 elements (the direct small path, called twice: the first call looks MKL up) against the same values
    inside a large tensor (the general path), with or without the exact extra."""
    x = np.random.default_rng(5).uniform(0.1, 3, 5000).astype(np.float32)
    large = getattr(gtorch, op)(gtorch.tensor(x)).numpy()
    for _ in range(2):
        small = getattr(gtorch, op)(gtorch.tensor(x[:4])).numpy()
        assert small.dtype == np.float32
        assert small.view(np.uint32).tolist() == large[:4].view(np.uint32).tolist()


@pytest.mark.parity
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_times_a_number_backward_matches_pytorch(dtype: str, shape: tuple) -> None:
    """MulBackward0's plain path for `x * number` (numpy on the cached 0-d number, result()/fit() inline)."""
    torch = pytest.importorskip("torch")
    for number in (0.5, -1.25, 3.0, 0.0, -0.0, float("nan"), 1e-30):
        grads = []
        for module in (gtorch, torch):
            x = module.tensor(np.linspace(-2, 2, int(np.prod(shape))).reshape(shape)).to(getattr(module, dtype))
            x.requires_grad_()
            up = module.tensor(np.linspace(0.3, 3.3, int(np.prod(shape))).reshape(shape)).to(x.dtype)
            (x * number * up).sum().backward()  # an upstream gradient that is not all ones
            grads.append(x.grad.float().numpy())
        assert str(x.grad.dtype) == f"torch.{dtype}"
        mine, ref = grads
        assert (np.isnan(mine) == np.isnan(ref)).all(), number  # (NaN payloads aside: bits where not NaN)
        assert mine[~np.isnan(mine)].tobytes() == ref[~np.isnan(ref)].tobytes(), number
