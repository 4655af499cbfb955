"""The optimizers' fused add (optim/_numerics.fma_add) on its fast paths gives the bits of its definition:
a + alpha * b computed in double and rounded once to float32, alpha first cast to float32."""

from __future__ import annotations

import numpy as np
import pytest

from gradsh.engine.optim._numerics import fma_add


def _reference(a: np.ndarray, b: np.ndarray, alpha: float) -> np.ndarray:
    al = np.float64(np.float32(alpha))
    return (a.astype(np.float64) + al * b.astype(np.float64)).astype(np.float32)


def _samples(rng: np.random.Generator, n: int) -> tuple:
    a = (rng.standard_normal(n) * 10.0 ** rng.integers(-30, 30, n)).astype(np.float32)
    b = (rng.standard_normal(n) * 10.0 ** rng.integers(-30, 30, n)).astype(np.float32)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 3.4e38, -3.4e38, 1e-45, -1e-45], np.float32)
    a[: specials.size], b[: specials.size] = specials, specials[::-1]
    a[specials.size: 2 * specials.size] = b[specials.size: 2 * specials.size]  # cancellations
    return a, b


@pytest.mark.parametrize("alpha", [1, -1, 1.0, -1.0, 0.01, -0.01, 0.9, 1 - 0.9, 1e-3, 3, 0.0])
def test_fma_add_float32_bits(alpha: float) -> None:
    rng = np.random.default_rng(int(abs(alpha) * 1000) + 7)
    for _ in range(20):
        a, b = _samples(rng, 2000)
        with np.errstate(all="ignore"):
            got, want = fma_add(a, b, alpha), _reference(a, b, alpha)
        assert got.dtype == np.float32 and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("alpha", [1, 0.01])
def test_fma_add_broadcasts_a_smaller_b(alpha: float) -> None:
    a, b = _samples(np.random.default_rng(3), 500)
    with np.errstate(all="ignore"):
        assert fma_add(a, b[:1], alpha).tobytes() == _reference(a, b[:1], alpha).tobytes()
        assert fma_add(a[:1], b, alpha).tobytes() == _reference(a[:1], b, alpha).tobytes()
