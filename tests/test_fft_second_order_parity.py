"""Second-order gradients through torch.fft against real PyTorch (create_graph, then again).

Each transform's gradient is composed of the fft ops themselves under create_graph, so the second
derivative flows through padding, trimming, the one-sided spectra and the conjugations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

RNG = np.random.default_rng(1)
X = RNG.standard_normal((4, 6))
Z = X + 1j * RNG.standard_normal((4, 6))

CASES: dict[str, tuple[Callable, np.ndarray]] = {
    "fft_ortho": (lambda T, x: T.fft.fft(x, norm="ortho"), X),
    "fft_padded": (lambda T, x: T.fft.fft(x, n=8), X),
    "fft_complex_trimmed": (lambda T, x: T.fft.fft(x, n=4), Z),
    "ifft": (lambda T, x: T.fft.ifft(x), X),
    "rfft": (lambda T, x: T.fft.rfft(x), X),
    "rfft_odd": (lambda T, x: T.fft.rfft(x, n=5), X),
    "irfft": (lambda T, x: T.fft.irfft(x), Z),
    "irfft_odd": (lambda T, x: T.fft.irfft(x, n=7), Z),
    "hfft": (lambda T, x: T.fft.hfft(x), Z),
    "ihfft": (lambda T, x: T.fft.ihfft(x), X),
    "fft2": (lambda T, x: T.fft.fft2(x), Z),
    "rfft2_forward": (lambda T, x: T.fft.rfft2(x, norm="forward"), X),
    "irfftn": (lambda T, x: T.fft.irfftn(x, s=(4, 9)), Z),
    "hfft2": (lambda T, x: T.fft.hfft2(x), Z),
    "ihfft2": (lambda T, x: T.fft.ihfft2(x), X),
    "ifftn_forward": (lambda T, x: T.fft.ifftn(x, norm="forward"), Z),
}


def _second_order(T: Any, fn: Callable, a: np.ndarray) -> tuple:
    x = T.tensor(a, requires_grad=True)
    y = fn(T, x)
    weights = np.cos(np.arange(int(np.prod(tuple(y.shape))))).reshape(tuple(y.shape))
    w = T.tensor(weights * (1 + 0.5j) if y.dtype.is_complex else weights, dtype=y.dtype)
    loss = (y * w).abs().pow(3).sum()
    (gx,) = T.autograd.grad(loss, x, create_graph=True)
    assert gx.requires_grad
    h = (gx.abs() ** 2).sum()
    (ggx,) = T.autograd.grad(h, x)
    return gx.detach().resolve_conj().numpy(), ggx.resolve_conj().numpy()


@pytest.mark.parametrize("name", list(CASES))
def test_second_order_as_pytorch(name: str) -> None:
    fn, a = CASES[name]
    ref, got = _second_order(torch_real, fn, a), _second_order(gtorch, fn, a)
    for r, g in zip(ref, got):
        assert r.dtype == g.dtype
        np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", ["fft_padded", "rfft_odd", "ihfft2"])
def test_gradgradcheck_of_real_inputs(name: str) -> None:
    fn, a = CASES[name]
    x = gtorch.tensor(a, requires_grad=True)
    assert gtorch.autograd.gradgradcheck(lambda t: gtorch.view_as_real(fn(gtorch, t)), (x,))
