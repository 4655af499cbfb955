"""CTC loss in float32 bit for bit as PyTorch's CPU kernel: the beta loop's log-additions in its order (s
downwards) and std::exp as glibc's expf, which is not always the double exp rounded to float
(gradsh/engine/libm_expf.py)."""

from __future__ import annotations

import numpy as np
import pytest
from snippet_parity import real_torch

from gradsh import torch as gtorch
from gradsh.engine import libm_expf

torch_real = real_torch()


@pytest.mark.skipif(libm_expf._libm_expf() is None, reason="needs glibc's libm")
def test_expf_is_glibc_expf() -> None:
    f = libm_expf._libm_expf()
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-110, 90, 150_000), rng.standard_normal(50_000) * 5,
                        np.array([0, -0.0, np.inf, -np.inf, 88.72, 88.73, -103.9, -104.0, 1e-30])]).astype(np.float32)
    expected = np.array([f(float(v)) for v in x], np.float32)
    assert libm_expf.expf(x).tobytes() == expected.tobytes()
    assert np.isnan(libm_expf.expf(np.array([np.nan], np.float32))).all()
    assert libm_expf.expf(np.float32(1.0)).shape == ()


def test_expf_without_libm_is_the_rounded_double_exp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(libm_expf._state, "f", None)
    x = np.linspace(-20, 20, 1001, dtype=np.float32)
    assert libm_expf.expf(x).tobytes() == np.exp(x.astype(np.float64)).astype(np.float32).tobytes()


@pytest.mark.parity
@pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")
@pytest.mark.parametrize("seed", range(4))
def test_float32_loss_and_gradient_are_bit_exact(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t_len, batch, classes = int(rng.integers(10, 40)), int(rng.integers(1, 6)), int(rng.integers(3, 12))
    logits = rng.standard_normal((t_len, batch, classes)).astype(np.float32)
    lp = torch_real.from_numpy(logits).log_softmax(2).detach().numpy()
    target_lengths = [int(v) for v in rng.integers(1, t_len // 2, batch)]
    targets = rng.integers(1, classes, (batch, max(target_lengths)))
    input_lengths = [int(v) for v in rng.integers(t_len // 2 + 1, t_len + 1, batch)]
    go = rng.standard_normal(batch).astype(np.float32)
    results = []
    for mod in (torch_real, gtorch):
        x = mod.tensor(lp, requires_grad=True)
        loss = mod.nn.functional.ctc_loss(x, mod.tensor(targets), input_lengths, target_lengths, reduction="none",
                                          zero_infinity=True)
        (grad,) = mod.autograd.grad(loss, [x], mod.tensor(go))
        results.append((loss.detach().numpy(), grad.numpy()))
    (ref_loss, ref_grad), (loss, grad) = results
    assert loss.tobytes() == ref_loss.tobytes()
    assert grad.tobytes() == ref_grad.tobytes()
