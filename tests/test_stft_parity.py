"""torch.stft against real PyTorch: values, nodes, gradients (input and window), errors and warnings."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

RNG = np.random.default_rng(4)
SIGNAL = RNG.standard_normal(64)
BATCH = RNG.standard_normal((3, 50))
CSIGNAL = SIGNAL + 1j * RNG.standard_normal(64)
WINDOW = np.hanning(12)

CASES = {
    "default": (SIGNAL, {"n_fft": 16, "return_complex": True}),
    "real_output": (SIGNAL, {"n_fft": 16, "return_complex": False}),
    "not_centered": (BATCH, {"n_fft": 10, "hop_length": 3, "center": False, "return_complex": True}),
    "short_window": (BATCH, {"n_fft": 16, "hop_length": 5, "win_length": 12, "window": WINDOW, "return_complex": True}),
    "rect_short_window": (SIGNAL, {"n_fft": 16, "win_length": 9, "return_complex": True}),
    "normalized_two_sided": (BATCH, {"n_fft": 8, "normalized": True, "onesided": False, "return_complex": True}),
    "constant_pad": (SIGNAL, {"n_fft": 16, "pad_mode": "constant", "return_complex": True}),
    "complex_input": (CSIGNAL, {"n_fft": 16, "hop_length": 6, "window": np.hanning(16)}),
}


def _run(T: Any, signal: np.ndarray, kwargs: dict) -> tuple:
    x = T.tensor(signal, requires_grad=True)
    kw = {k: (T.tensor(v, requires_grad=True) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = T.stft(x, **kw)
    go = np.cos(np.arange(int(np.prod(tuple(y.shape))))).reshape(tuple(y.shape))
    go = T.tensor(go * (1 - 0.5j) if y.dtype.is_complex else go, dtype=y.dtype)
    leaves = [x] + [v for v in kw.values() if isinstance(v, T.Tensor)]
    grads = T.autograd.grad(y, leaves, go)
    return y, grads


@pytest.mark.parametrize("name", list(CASES))
def test_stft_as_pytorch(name: str) -> None:
    signal, kwargs = CASES[name]
    (ref, ref_g), (got, got_g) = _run(torch_real, signal, kwargs), _run(gtorch, signal, kwargs)
    assert str(got.dtype) == str(ref.dtype) and tuple(got.shape) == tuple(ref.shape)
    assert type(got.grad_fn).__name__ == type(ref.grad_fn).__name__
    np.testing.assert_allclose(got.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    for r, g in zip(ref_g, got_g):
        np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=1e-10, atol=1e-10)


ERRORS = {
    "no_return_complex": lambda T: T.stft(T.ones(20), 8),
    "hop": lambda T: T.stft(T.ones(20), 8, hop_length=0, return_complex=True),
    "win_length": lambda T: T.stft(T.ones(20), 8, win_length=9, return_complex=True),
    "window_size": lambda T: T.stft(T.ones(20), 8, window=T.ones(5), return_complex=True),
    "n_fft": lambda T: T.stft(T.ones(20), 30, center=False, return_complex=True),
    "dims": lambda T: T.stft(T.ones(2, 2, 20), 8, return_complex=True),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_stft_error_as_pytorch(name: str) -> None:
    texts = []
    for T in (torch_real, gtorch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError) as info:
                ERRORS[name](T)
        texts.append(str(info.value))
    assert texts[1] == texts[0]


def test_stft_warns_once_without_a_window() -> None:
    from gradsh.engine.ops import stft as module

    module._warned.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gtorch.stft(gtorch.ones(20), 8, return_complex=True)
        gtorch.stft(gtorch.ones(20), 8, return_complex=True)
    texts = [str(w.message) for w in caught]
    assert len(texts) == 1 and texts[0].startswith("A window was not provided.")
