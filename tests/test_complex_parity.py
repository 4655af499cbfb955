"""Complex tensors against real PyTorch: the complex ops' values, dtypes, nodes and gradients.

PyTorch's convention for complex gradients (the conjugate Wirtinger one: for a real loss of z = x + iy the
gradient is dL/dx + i dL/dy) is checked on each op with complex grad_outputs, and on compositions where a
real tensor becomes complex and back. Plus gradcheck in float64 on the real-to-complex-to-real paths.
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

RNG = np.random.default_rng(5)
Z = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
W = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
R = RNG.standard_normal((3, 3))
R2 = RNG.standard_normal((3, 3, 2))


def _run(T: Any, fn: Callable, arrays: tuple) -> tuple:
    inputs = [T.tensor(a, requires_grad=True) for a in arrays]
    out = fn(T, *inputs)
    rng = np.random.default_rng(0)
    go = rng.standard_normal(tuple(out.shape))
    if out.dtype.is_complex:
        go = go + 1j * rng.standard_normal(tuple(out.shape))
    grads = T.autograd.grad(out, inputs, T.tensor(go, dtype=out.dtype), allow_unused=True)
    return out, grads


CASES = {
    "complex": (lambda T, a, b: T.complex(a, b), (R, R * 2)),
    "polar": (lambda T, a, b: T.polar(a.abs() + 0.1, b), (R, R * 2)),
    "view_as_complex": (lambda T, a: T.view_as_complex(a), (R2,)),
    "view_as_real": (lambda T, z: T.view_as_real(z), (Z,)),
    "real": (lambda T, z: T.real(z), (Z,)),
    "imag": (lambda T, z: T.imag(z), (Z,)),
    "real_property": (lambda T, z: (z * 2).real, (Z,)),
    "conj": (lambda T, z: T.conj(z) * 1, (Z,)),
    "conj_physical": (lambda T, z: T.conj_physical(z), (Z,)),
    "mul": (lambda T, z, w: z * w, (Z, W)),
    "mul_real": (lambda T, z, r: z * r, (Z, R)),
    "div": (lambda T, z, w: z / w, (Z, W)),
    "matmul": (lambda T, z, w: z @ w, (Z, W)),
    "mv": (lambda T, z, w: T.mv(z, w[0]), (Z, W)),
    "dot": (lambda T, z, w: T.dot(z[0], w[0]), (Z, W)),
    "exp": (lambda T, z: z.exp(), (Z,)),
    "log": (lambda T, z: z.log(), (Z,)),
    "sin": (lambda T, z: z.sin(), (Z,)),
    "abs": (lambda T, z: z.abs(), (Z,)),
    "angle": (lambda T, z: z.angle(), (Z,)),
    "pow": (lambda T, z: z ** 3, (Z,)),
    "square": (lambda T, z: z.square(), (Z,)),
    "sgn": (lambda T, z: z.sgn(), (Z,)),
    "det": (lambda T, z: T.linalg.det(z), (Z,)),
    "inv": (lambda T, z: T.linalg.inv(z), (Z,)),
    "solve": (lambda T, z, w: T.linalg.solve(z, w), (Z, W)),
    "matrix_exp": (lambda T, z: T.linalg.matrix_exp(z * 0.3), (Z,)),
    "real_through_complex": (lambda T, a, b: (T.complex(a, b) * T.complex(b, a)).abs(), (R, R * 3)),
    "fft_of_complex": (lambda T, a, b: T.fft.fft(T.complex(a, b)), (R, R * 3)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_complex_op_as_pytorch(name: str) -> None:
    fn, arrays = CASES[name]
    ref, ref_g = _run(torch_real, fn, arrays)
    got, got_g = _run(gtorch, fn, arrays)
    assert str(got.dtype) == str(ref.dtype)
    assert tuple(got.shape) == tuple(ref.shape)
    np.testing.assert_allclose(got.detach().numpy(), ref.detach().resolve_conj().numpy(), rtol=1e-12, atol=1e-12)
    if ref.grad_fn is not None:
        assert type(got.grad_fn).__name__ == type(ref.grad_fn).__name__
    for r, g in zip(ref_g, got_g):
        assert (r is None) == (g is None)
        if r is not None:
            assert str(g.dtype) == str(r.dtype)
            np.testing.assert_allclose(g.numpy(), r.resolve_conj().numpy(), rtol=1e-10, atol=1e-12)


def test_real_ops_of_a_real_tensor_give_the_tensor_itself() -> None:
    x = gtorch.randn(3)
    for fn in (gtorch.real, gtorch.conj, gtorch.conj_physical, gtorch.resolve_conj, gtorch.resolve_neg):
        assert fn(x) is x


ERRORS = {
    "complex_mixed": lambda T: T.complex(T.ones(2), T.ones(2, dtype=T.float64)),
    "complex_int": lambda T: T.complex(T.ones(2, dtype=T.int64), T.ones(2, dtype=T.int64)),
    "view_as_complex_size": lambda T: T.view_as_complex(T.ones(3)),
    "view_as_complex_dtype": lambda T: T.view_as_complex(T.ones(3, 2, dtype=T.int64)),
    "view_as_complex_stride": lambda T: T.view_as_complex(T.ones(2, 3).t()),
    "view_as_real_real": lambda T: T.view_as_real(T.ones(3)),
    "imag_real": lambda T: T.imag(T.ones(3)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_as_pytorch(name: str) -> None:
    texts = []
    for T in (torch_real, gtorch):
        with pytest.raises(RuntimeError) as info:
            ERRORS[name](T)
        texts.append(str(info.value))
    assert texts[1] == texts[0]


def test_view_as_real_shares_memory() -> None:
    z = gtorch.tensor(Z.copy())
    v = gtorch.view_as_real(z)
    v[0, 0, 1] = 7.0
    assert z[0, 0].item() == complex(Z[0, 0].real, 7.0)


def test_repr_of_complex_as_pytorch() -> None:
    for data in ([1 + 2j, 3.5 - 1e-5j], [[0.25 - 1j, 2 + 0j]], [1e10 + 1j]):
        assert repr(gtorch.tensor(data)) == repr(torch_real.tensor(data))
    z = torch_real.tensor(Z, requires_grad=True)
    assert repr(gtorch.complex(gtorch.tensor(R, requires_grad=True), gtorch.tensor(R))) == repr(
        torch_real.complex(torch_real.tensor(R, requires_grad=True), torch_real.tensor(R)))
    assert z.dtype == torch_real.complex128


@pytest.mark.parametrize("name", ["complex", "polar", "real_through_complex"])
def test_gradcheck_real_to_complex_paths(name: str) -> None:
    fn, arrays = CASES[name]
    inputs = [gtorch.tensor(a, requires_grad=True) for a in arrays]
    to_real = (lambda *xs: gtorch.view_as_real(fn(gtorch, *xs))) if name != "real_through_complex" else \
        (lambda *xs: fn(gtorch, *xs))
    assert gtorch.autograd.gradcheck(to_real, tuple(inputs))


# ----- linalg.eig / eigvals: eigenvalues exactly, eigenvectors through phase-invariant quantities -----------------

EIG_A = RNG.standard_normal((2, 5, 5))


def _eig_invariants(T: Any) -> tuple:
    A = T.tensor(EIG_A, requires_grad=True)
    L, V = T.linalg.eig(A)
    # |V| and the eigenvalues do not depend on each eigenvector's phase (LAPACK builds may pick another sign)
    loss = (L * T.tensor(np.arange(1, 6) + 0.5j)).real.sum() + (V.abs() ** 2 * T.tensor(np.arange(5.0))).sum()
    (grad,) = T.autograd.grad(loss, A)
    return L.detach().numpy(), V.abs().detach().numpy(), grad.numpy(), type(L.grad_fn).__name__, str(V.dtype)


def test_eig_invariants_and_their_gradient_as_pytorch() -> None:
    ref, got = _eig_invariants(torch_real), _eig_invariants(gtorch)
    for r, g in zip(ref[:3], got[:3]):
        np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-10)
    assert got[3:] == ref[3:] == ("LinalgEigBackward0", "torch.complex128")


def test_eigvals_float32_as_pytorch() -> None:
    ref = torch_real.linalg.eigvals(torch_real.tensor(EIG_A, dtype=torch_real.float32))
    got = gtorch.linalg.eigvals(gtorch.tensor(EIG_A, dtype=gtorch.float32))
    assert str(got.dtype) == str(ref.dtype) == "torch.complex64"
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)


def test_eig_phase_dependent_loss_raises_as_pytorch() -> None:
    texts = []
    for T in (torch_real, gtorch):
        A = T.tensor(EIG_A[0], requires_grad=True)
        _, V = T.linalg.eig(A)
        with pytest.raises(RuntimeError) as info:
            V.real.sum().backward()
        texts.append(str(info.value))
    assert texts[1] == texts[0]


def test_eig_errors_as_pytorch() -> None:
    for make in (lambda T: T.ones(2, 3), lambda T: T.ones(2, 2, dtype=T.int64)):
        texts = []
        for T in (torch_real, gtorch):
            with pytest.raises(RuntimeError) as info:
                T.linalg.eig(make(T))
            texts.append(str(info.value))
        assert texts[1] == texts[0]
