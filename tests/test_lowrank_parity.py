"""torch.svd_lowrank / pca_lowrank against real PyTorch after the same manual_seed.

gradsh's generator draws PyTorch's random start bit for bit; the singular vectors then agree up to each
pair's sign, which the LAPACK build decides (numpy's OpenBLAS and PyTorch's MKL pick differently for wide
matrices), so the comparison is of the invariants: singular values, |U|, |V|, the product U diag(S) V^H,
and the gradient of a sign-invariant function of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

RNG = np.random.default_rng(8)
LOW_RANK = RNG.standard_normal((2, 7, 3)) @ RNG.standard_normal((2, 3, 5))
TALL = RNG.standard_normal((9, 4))


def _run(T: Any, fn: str, a: np.ndarray, **kwargs: Any) -> tuple:
    T.manual_seed(42)
    x = T.tensor(a, requires_grad=True)
    U, S, V = getattr(T, fn)(x, **kwargs)
    recon = U @ (S.unsqueeze(-1) * V.mH)
    (grad,) = T.autograd.grad((recon ** 2).sum() + (S ** 3).sum(), x)
    return S.detach().numpy(), U.abs().detach().numpy(), V.abs().detach().numpy(), recon.detach().numpy(), \
        grad.numpy(), str(U.dtype)


CASES = {
    "svd_lowrank": ("svd_lowrank", LOW_RANK, {"q": 3}),
    "svd_lowrank_default_q": ("svd_lowrank", TALL, {"q": 4, "niter": 1}),
    "svd_lowrank_with_M": ("svd_lowrank", LOW_RANK, {"q": 3, "M": LOW_RANK.mean(-2, keepdims=True)}),
    "pca_lowrank": ("pca_lowrank", LOW_RANK, {"q": 2}),
    "pca_lowrank_uncentered": ("pca_lowrank", TALL, {"center": False}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_lowrank_invariants_as_pytorch(name: str) -> None:
    fn, a, kwargs = CASES[name]
    got_kwargs = {k: (gtorch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    ref_kwargs = {k: (torch_real.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    ref, got = _run(torch_real, fn, a, **ref_kwargs), _run(gtorch, fn, a, **got_kwargs)
    assert got[-1] == ref[-1]
    for r, g in zip(ref[:-1], got[:-1]):
        np.testing.assert_allclose(g, r, rtol=1e-8, atol=1e-9)


def test_pca_lowrank_q_error_as_pytorch() -> None:
    texts = []
    for T in (torch_real, gtorch):
        with pytest.raises(ValueError) as info:
            T.pca_lowrank(T.tensor(TALL), q=7)
        texts.append(str(info.value))
    assert texts[1] == texts[0]
