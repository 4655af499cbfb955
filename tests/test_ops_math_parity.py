"""Elementwise math and torch.special against real PyTorch where op_cases.py cannot reach: integer and bool
inputs, the ops PyTorch does not differentiate, structured results and error texts."""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

RNG = np.random.default_rng(7)
REAL = RNG.uniform(-3, 3, (4, 5)).round(3)
POSITIVE = RNG.uniform(0.2, 3, (4, 5)).round(3)
INTS = RNG.integers(-6, 7, (4, 5))
N = RNG.integers(0, 9, (4, 5))


def _same(got: object, ref: object, rtol: float = 1e-6) -> None:
    if isinstance(ref, tuple):
        assert type(got).__name__ == type(ref).__name__ and len(got) == len(ref)
        for a, b in zip(got, ref):
            _same(a, b, rtol)
        return
    assert str(got.dtype) == str(ref.dtype)
    assert tuple(got.shape) == tuple(ref.shape)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=rtol, atol=1e-6, equal_nan=True)


UNARY_INT = ["asinh", "acosh", "atanh", "exp2", "erfc", "erfinv", "lgamma", "digamma", "i0", "sinc", "deg2rad",
             "rad2deg", "sgn", "angle", "signbit", "isposinf", "isneginf", "isreal", "nan_to_num", "logit", "positive"]


@pytest.mark.parametrize("name", UNARY_INT)
@pytest.mark.parametrize("values", ["ints", "bools"])
def test_unary_on_integers_and_bools(name: str, values: str) -> None:
    data = INTS if values == "ints" else INTS > 0
    outcome = []
    for T in (torch_real, gtorch):
        try:
            outcome.append(getattr(T, name)(T.tensor(data.tolist())))
        except RuntimeError as e:
            outcome.append(str(e))
    if isinstance(outcome[0], str):
        assert outcome[1] == outcome[0]
    else:
        _same(outcome[1], outcome[0])


SPECIAL_UNARY = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0",
                 "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
                 "scaled_modified_bessel_k1", "spherical_bessel_j0", "erfcx", "ndtr", "ndtri", "log_ndtr", "i0e",
                 "i1", "i1e", "entr", "expit", "gammaln", "psi", "multigammaln"]


@pytest.mark.parametrize("name", SPECIAL_UNARY)
def test_special_unary(name: str) -> None:
    data = POSITIVE + 1 if name == "multigammaln" else (POSITIVE / 4 if name == "ndtri" else REAL)
    args = (2,) if name == "multigammaln" else ()
    ref = getattr(torch_real.special, name)(torch_real.tensor(data), *args)
    got = getattr(gtorch.special, name)(gtorch.tensor(data), *args)
    _same(got, ref, rtol=1e-5)


POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
               "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
               "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
               "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"]


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_orthogonal_polynomials(name: str) -> None:
    x = np.concatenate([REAL / 3, [[1.0, -1.0, 0.0, 0.5, -0.25]]])
    n = np.concatenate([N, [[0, 3, 11, 12, -1]]])
    ref = getattr(torch_real.special, name)(torch_real.tensor(x), torch_real.tensor(n))
    got = getattr(gtorch.special, name)(gtorch.tensor(x), gtorch.tensor(n))
    _same(got, ref, rtol=1e-5)


BINARY = ["atan2", "hypot", "copysign", "xlogy", "logaddexp", "logaddexp2", "fmax", "fmin", "float_power", "fmod",
          "remainder", "nextafter", "heaviside", "igamma", "igammac"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_forward(name: str) -> None:
    a, b = (POSITIVE, POSITIVE[::-1].copy()) if name.startswith("igamma") else (REAL, REAL[::-1].copy())
    ref = getattr(torch_real, name)(torch_real.tensor(a), torch_real.tensor(b))
    got = getattr(gtorch, name)(gtorch.tensor(a), gtorch.tensor(b))
    _same(got, ref)


@pytest.mark.parametrize("name", ["fmod", "remainder", "gcd", "lcm", "fmax", "copysign", "ldexp", "atan2"])
def test_binary_on_integers(name: str) -> None:
    b = np.where(INTS == 0, 3, INTS)[::-1].copy()
    ref = getattr(torch_real, name)(torch_real.tensor(INTS), torch_real.tensor(b))
    got = getattr(gtorch, name)(gtorch.tensor(INTS), gtorch.tensor(b))
    _same(got, ref)


def test_rmod_and_rounded_division() -> None:
    for T in (torch_real, gtorch):
        x = T.tensor(REAL, requires_grad=True)
        r = 2.5 % x
        assert type(r.grad_fn).__name__ == "NotImplemented"
        assert r.grad_fn.name() == "torch::autograd::NotImplemented"
    ref_x, got_x = torch_real.tensor(INTS), gtorch.tensor(INTS)
    for mode in ("floor", "trunc"):
        _same(got_x.div(3, rounding_mode=mode), ref_x.div(3, rounding_mode=mode))
        _same(gtorch.tensor(REAL).div(-0.7, rounding_mode=mode), torch_real.tensor(REAL).div(-0.7, rounding_mode=mode))


def test_frexp_is_a_structured_result() -> None:
    ref = torch_real.frexp(torch_real.tensor(REAL))
    got = gtorch.frexp(gtorch.tensor(REAL))
    _same(tuple(got), tuple(ref))
    assert repr(got).splitlines()[0] == repr(ref).splitlines()[0] == "torch.return_types.frexp("
    assert got.exponent.dtype == gtorch.int32


@pytest.mark.parametrize("call", [
    lambda T: T.frac(T.tensor([3])),
    lambda T: T.frexp(T.tensor([3])),
    lambda T: T.addcdiv(T.tensor([3]), T.tensor([3]), T.tensor([3])),
    lambda T: T.fmod(T.tensor([3]), T.tensor([0])),
    lambda T: T.div(T.tensor([3]), T.tensor([0]), rounding_mode="trunc"),
    lambda T: T.positive(T.tensor([True])),
    lambda T: T.gcd(T.tensor([3.0]), T.tensor([2.0])),
    lambda T: T.autograd.grad(T.igamma(T.tensor([1.0], requires_grad=True), T.tensor([2.0])).sum(),
                              T.tensor([1.0])),
])
def test_error_texts(call: object) -> None:
    errors = []
    for T in (torch_real, gtorch):
        with pytest.raises(Exception) as info:
            call(T)
        errors.append((type(info.value).__name__, str(info.value).splitlines()[0]))
    assert errors[1] == errors[0]


def test_engine_import_does_not_load_scipy() -> None:
    import subprocess
    import sys

    code = "import sys, gradsh.torch; print('scipy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
