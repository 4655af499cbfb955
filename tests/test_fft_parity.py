"""torch.fft against real PyTorch: values, dtypes, node names and the gradients of real inputs (the adjoints)."""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

X = np.random.default_rng(5).standard_normal((3, 4, 6))

CALLS = {
    "fft": lambda F, x: F.fft(x, n=8, dim=1, norm="ortho"),
    "fft_trimmed": lambda F, x: F.fft(x, n=3),
    "ifft": lambda F, x: F.ifft(x, dim=0, norm="forward"),
    "rfft": lambda F, x: F.rfft(x, n=7),
    "irfft": lambda F, x: F.irfft(x, n=9, dim=1),
    "hfft": lambda F, x: F.hfft(x, norm="ortho"),
    "ihfft": lambda F, x: F.ihfft(x, dim=0),
    "fft2": lambda F, x: F.fft2(x, s=(3, 5)),
    "fftn": lambda F, x: F.fftn(x, norm="forward"),
    "ifftn": lambda F, x: F.ifftn(x, dim=(0, 2)),
    "rfft2": lambda F, x: F.rfft2(x),
    "rfftn": lambda F, x: F.rfftn(x, s=(2, 8), dim=(0, 1), norm="ortho"),
    "irfft2": lambda F, x: F.irfft2(x, s=(4, 7)),
    "irfftn": lambda F, x: F.irfftn(x),
    "hfft2": lambda F, x: F.hfft2(x, norm="forward"),
    "ihfft2": lambda F, x: F.ihfft2(x),
    "ihfftn_one_dim": lambda F, x: F.ihfftn(x, dim=(1,)),
    "fftshift": lambda F, x: F.fftshift(x, dim=(0, 2)),
    "ifftshift": lambda F, x: F.ifftshift(x),
}


def _run(T: object, name: str, dtype_name: str) -> tuple:
    x = T.tensor(X, dtype=getattr(T, dtype_name), requires_grad=True)
    y = CALLS[name](T.fft, x)
    rng = np.random.default_rng(1)
    g = rng.standard_normal(tuple(y.shape))
    if y.is_complex():
        g = g + 1j * rng.standard_normal(tuple(y.shape))
    (gx,) = T.autograd.grad(y, x, T.tensor(g, dtype=y.dtype))
    return y, gx


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_transform_and_its_adjoint(name: str, dtype_name: str) -> None:
    ref_y, ref_g = _run(torch_real, name, dtype_name)
    y, g = _run(gtorch, name, dtype_name)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype_name == "float32" else {"rtol": 1e-10, "atol": 1e-12}
    assert str(y.dtype) == str(ref_y.dtype) and tuple(y.shape) == tuple(ref_y.shape)
    assert type(y.grad_fn).__name__ == type(ref_y.grad_fn).__name__
    np.testing.assert_allclose(y.detach().numpy(), ref_y.detach().resolve_conj().numpy(), **tol)
    np.testing.assert_allclose(g.numpy(), ref_g.numpy(), **tol)


def test_frequencies() -> None:
    for n, d in ((8, 1.0), (7, 0.5)):
        for fn in ("fftfreq", "rfftfreq"):
            ref = getattr(torch_real.fft, fn)(n, d)
            got = getattr(gtorch.fft, fn)(n, d)
            assert str(got.dtype) == str(ref.dtype)
            np.testing.assert_allclose(got.numpy(), ref.numpy())
