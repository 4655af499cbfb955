"""float32 whole-tensor sum and mean, and cumsum, bit for bit as PyTorch (reductions.md §2-4), against real
PyTorch with its default two threads: random sizes up to 10^6, contiguous and permuted inputs."""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch as gtorch
from gradsh.engine.ops.accumulate import exact_sum

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

_rng = np.random.default_rng(2026)
SIZES = sorted({*range(1, 70), 127, 128, 129, 511, 512, 513, 4095, 4096, 4097, 32767, 32768, 32769, 65536,
                *(int(n) for n in _rng.integers(70, 40000, 40)), *(int(n) for n in _rng.integers(40000, 10**6, 12)),
                10**6})


def _bits(t: object) -> bytes:
    return np.asarray(t.detach().numpy()).tobytes()  # type: ignore[attr-defined]


@pytest.mark.parametrize("n", SIZES)
def test_sum_and_mean_exact(n: int) -> None:
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * rng.choice([1.0, 1000.0])).astype(np.float32)
    with torch_real.no_grad():
        ref = torch_real.from_numpy(x)
        mine = gtorch.tensor(x)
        assert _bits(mine.sum()) == _bits(ref.sum())
        assert _bits(mine.mean()) == _bits(ref.mean())
        assert _bits(mine.cumsum(0)) == _bits(ref.cumsum(0))


@pytest.mark.parametrize("shape", [(3, 5), (37, 53), (2, 3, 4, 5), (128, 300), (7, 1, 9)])
def test_permuted_and_nd_exact(shape: tuple) -> None:
    x = np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32)
    ref, mine = torch_real.from_numpy(x), gtorch.tensor(x)
    for view in (lambda t: t, lambda t: t.transpose(0, -1), lambda t: t.permute(*reversed(range(t.dim())))):
        assert _bits(view(mine).sum()) == _bits(view(ref).sum())
        assert _bits(view(mine).mean()) == _bits(view(ref).mean())


def test_unmodelled_layouts_fall_back() -> None:
    x = np.arange(10, dtype=np.float32)
    assert exact_sum(x[::2]) is None  # a strided view: numpy's sum (PyTorch's order there is not modelled)
    assert exact_sum(x.astype(np.float64)) is None
    assert exact_sum(x) == np.float32(45)
