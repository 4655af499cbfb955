"""x ** s for a number s gives PyTorch's float32/float64 bits where ATen's pow kernel is IEEE arithmetic or MKL.

ATen special-cases s = 2, 3, -1, -2 ((x*x)*x etc., each product rounded in the dtype), -0.5 (1/sqrt), 0.5
(its sqrt kernel: MKL's vsSqrt, which is not numpy's correctly rounded sqrt), 0 and 1. Every other exponent
goes to SLEEF's pow, which numpy only approaches: not tested bitwise here.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch as gtorch
from gradsh.engine import exact_math

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

_SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1.0, -1.0, 2.0, 0.5, 1e-30, -1e-30, 3e38, -3e38, 1e-45]


def _inputs(dtype: str, n: int = 150_001) -> np.ndarray:
    rng = np.random.default_rng(2026)
    x = (rng.standard_normal(n) * 3).astype(dtype)
    x[: 1000] = (rng.standard_normal(1000) * 1e-20).astype(dtype)  # squares underflow
    x[1000: 2000] = (rng.standard_normal(1000) * 1e20).astype(dtype)  # cubes overflow in float32
    x[2000: 2000 + len(_SPECIALS)] = _SPECIALS
    return x


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", [2, 3, 3.0, -1, -2, -2.0, -0.5, 0.5, 0, 1, True])
def test_pow_scalar_exponent_bits(exponent: float, dtype: str) -> None:
    if exponent == 0.5 and not exact_math.available():
        pytest.skip("x ** 0.5 is MKL's sqrt: needs the exact extra")
    x = _inputs(dtype)
    want = (torch_real.from_numpy(x) ** exponent).numpy()
    got = (gtorch.from_numpy(x.copy()) ** exponent).numpy()
    assert got.dtype == want.dtype
    differ = np.flatnonzero(want.view(f"u{want.itemsize}") != got.view(f"u{got.itemsize}"))
    assert differ.size == 0, f"{differ.size} elements differ, first at {differ[:5]}: x={x[differ[:5]]}"


@pytest.mark.parametrize("exponent", [3, -2, -0.5])
def test_pow_scalar_exponent_bits_in_strided_and_small_layouts(exponent: float) -> None:
    base = _inputs("float32", 4096).reshape(64, 64)
    for view in (lambda t: t[:, ::3], lambda t: t.t(), lambda t: t[0, :5], lambda t: t[3, 7]):
        want = (view(torch_real.from_numpy(base)) ** exponent).numpy()
        got = (view(gtorch.from_numpy(base.copy())) ** exponent).numpy()
        assert _bits(got) == _bits(want)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", [3, 4, -1, 0.5, 1.5])
def test_pow_gradient_follows_the_forward(exponent: float, dtype: str) -> None:
    """The backward's x.pow(s - 1) is the same forward: s = 4 needs x**3, s = 1.5 needs x**0.5 (MKL)."""
    if exponent == 1.5 and not exact_math.available():
        pytest.skip("x ** 0.5 is MKL's sqrt: needs the exact extra")
    rng = np.random.default_rng(5)
    x, g = (rng.standard_normal(40_000).astype(dtype) for _ in range(2))
    x = np.abs(x) if exponent in (0.5, 1.5) else x
    ref = torch_real.tensor(x, requires_grad=True)
    (ref ** exponent).backward(torch_real.tensor(g))
    mine = gtorch.tensor(x, requires_grad=True)
    (mine ** exponent).backward(gtorch.tensor(g))
    assert _bits(mine.grad.numpy()) == _bits(ref.grad.numpy())
