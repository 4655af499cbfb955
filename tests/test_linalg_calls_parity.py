"""The linear-algebra, fft and special calls in PyTorch's own argument forms, against real PyTorch.

The older overloads (pinv's rcond, matrix_rank's tol), torch.lu's dispatch on get_infos, out= given
positionally (tensordot) or as a tuple (frexp, slogdet, triangular_solve), and the renamed parameters
(`input=` where PyTorch's parser names it so): values and errors as PyTorch gives them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

RNG = np.random.default_rng(11)
SQUARE = RNG.standard_normal((4, 4)) + 3 * np.eye(4)
SINGULAR = np.outer(RNG.standard_normal(4), RNG.standard_normal(4)) + 1e-4 * RNG.standard_normal((4, 4))
SYM = SINGULAR + SINGULAR.T
RHS = RNG.standard_normal((4, 2))


def _values(x: Any) -> list:
    if isinstance(x, (tuple, list)):
        return [v for item in x for v in _values(item)]
    return [np.asarray(x.detach().numpy() if hasattr(x, "detach") else x)]


def _both(fn: Callable, *arrays: np.ndarray) -> tuple:
    outs = []
    for T in (torch_real, gtorch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outs.append(fn(T, *[T.tensor(a) for a in arrays]))
    return outs[0], outs[1]


CALLS = {
    "pinv_rcond_positional": (lambda T, a: T.linalg.pinv(a, 1e-3), (SINGULAR,)),
    "pinv_rcond_hermitian": (lambda T, a: T.linalg.pinv(a, 0.5, True), (SYM,)),
    "pinv_rcond_keyword": (lambda T, a: T.linalg.pinv(input=a, rcond=1e-2), (SINGULAR,)),
    "pinv_rtol_tensor": (lambda T, a: T.linalg.pinv(a, rtol=T.tensor(0.1, dtype=T.float64)), (SINGULAR,)),
    "matrix_rank_tol": (lambda T, a: T.linalg.matrix_rank(a, 1e-2), (SINGULAR,)),
    "matrix_rank_tol_hermitian": (lambda T, a: T.linalg.matrix_rank(a, 1e-2, True), (SYM,)),
    "lu_two": (lambda T, a: T.lu(a), (SQUARE,)),
    "lu_infos_positional": (lambda T, a: T.lu(a, True, True), (SQUARE,)),
    "lu_infos_keyword": (lambda T, a: T.lu(A=a, get_infos=True), (SQUARE,)),
    "lu_out": (lambda T, a: T.lu(a, out=(T.empty(0, dtype=T.float64), T.empty(0, dtype=T.int32))), (SQUARE,)),
    "tensordot_out_positional": (lambda T, a, b: T.tensordot(a, b, 1, T.empty(0, dtype=T.float64)), (SQUARE, RHS)),
    "frexp_out": (lambda T, a: T.frexp(a, out=(T.empty(0, dtype=T.float64), T.empty(0, dtype=T.int32))),
                  (SQUARE,)),
    "slogdet_out": (lambda T, a: T.linalg.slogdet(a, out=(T.empty(0, dtype=T.float64), T.empty(0, dtype=T.float64))),
                    (SQUARE,)),
    "triangular_solve_out": (lambda T, b, a: T.triangular_solve(b, a, out=(T.empty(0, dtype=T.float64),
                                                                          T.empty(0, dtype=T.float64))),
                             (RHS, SQUARE)),
    "matrix_power_out": (lambda T, a: T.matrix_power(a, 3, out=T.empty(0, dtype=T.float64)), (SQUARE,)),
    "cholesky_input_keyword": (lambda T, a: T.linalg.cholesky(input=a @ a.mT), (SQUARE,)),
    "eigvalsh_input_keyword": (lambda T, a: T.linalg.eigvalsh(input=a, UPLO="U"), (SYM,)),
    "vector_norm_input_keyword": (lambda T, a: T.linalg.vector_norm(input=a, ord=3), (SQUARE,)),
    "tensorsolve_keywords": (lambda T, a, b: T.linalg.tensorsolve(input=a, other=b[:, 0]), (SQUARE, RHS)),
    "lstsq_b_keyword": (lambda T, a, b: T.linalg.lstsq(input=a, b=b).solution, (SQUARE, RHS)),
    "vander_N_keyword": (lambda T, a: T.linalg.vander(a[0], N=3), (SQUARE,)),
    "chebyshev_x_keyword": (lambda T, a: T.special.chebyshev_polynomial_t(x=a, n=3), (SQUARE,)),
    "airy_x_keyword": (lambda T, a: T.special.airy_ai(x=a), (SQUARE,)),
    "fftfreq_out": (lambda T: T.fft.fftfreq(5, out=T.empty(0)), ()),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_call_as_pytorch(name: str) -> None:
    fn, arrays = CALLS[name]
    ref, got = _both(fn, *arrays)
    ref_v, got_v = _values(ref), _values(got)
    assert len(ref_v) == len(got_v)
    for r, g in zip(ref_v, got_v):
        assert r.dtype == g.dtype and r.shape == g.shape
        np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-9)


def test_out_tuple_returns_the_given_tensors() -> None:
    a = gtorch.tensor(SQUARE)
    sign, logabs = gtorch.empty(0, dtype=gtorch.float64), gtorch.empty(0, dtype=gtorch.float64)
    res = gtorch.linalg.slogdet(a, out=(sign, logabs))
    assert res[0] is sign and res[1] is logabs and res.logabsdet is logabs


ERRORS = {
    "vander_N_positional": lambda T, a: T.linalg.vander(a[0], 3),
    "lu_out_wrong_length": lambda T, a: T.lu(a, out=(T.empty(0, dtype=T.float64),)),
    "lu_unknown_keyword": lambda T, a: T.lu(a, foo=1),
    "cholesky_A_keyword": lambda T, a: T.linalg.cholesky(A=a),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_as_pytorch(name: str) -> None:
    errors = []
    for T in (torch_real, gtorch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                ERRORS[name](T, T.tensor(SQUARE))
        errors.append(info.value)
    assert type(errors[1]) is type(errors[0])
    if name.startswith("lu_"):  # Python-level functions: the same text
        assert str(errors[1]) == str(errors[0])


def test_torch_lu_warns_once_as_pytorch() -> None:
    from gradsh.engine.ops import linalg_factor

    linalg_factor._lu_warned[0] = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gtorch.lu(gtorch.tensor(SQUARE))
        gtorch.lu(gtorch.tensor(SQUARE))
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and messages[0].startswith("torch.lu is deprecated in favor of torch.linalg.lu_factor")


# ----- matrix_exp: aten's Taylor approximants in the input's precision -------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("scale", [1e-8, 1e-4, 0.01, 0.1, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("shape", [(4, 4), (3, 4, 4)])
def test_matrix_exp_degree_by_norm_as_pytorch(dtype: str, scale: float, shape: tuple) -> None:
    a = np.random.default_rng(int(scale * 1000) + len(shape)).standard_normal(shape) * scale
    ref = torch_real.linalg.matrix_exp(torch_real.tensor(a, dtype=getattr(torch_real, dtype))).numpy()
    got = gtorch.linalg.matrix_exp(gtorch.tensor(a, dtype=getattr(gtorch, dtype))).numpy()
    assert got.dtype == ref.dtype
    # the same approximant as PyTorch's: equal up to the BLAS's rounding (float32 products differ in the last bit)
    tol = 1e-6 if dtype == "float32" else 1e-14
    assert np.abs(got - ref).max() <= tol * np.abs(ref).max()


def test_matrix_exp_float32_gradient_as_pytorch() -> None:
    a = np.random.default_rng(2).standard_normal((5, 5)) * 0.6
    outs = []
    for T in (torch_real, gtorch):
        x = T.tensor(a, dtype=T.float32, requires_grad=True)
        g = T.tensor(np.cos(np.arange(25.0)).reshape(5, 5), dtype=T.float32)
        outs.append(T.autograd.grad(T.linalg.matrix_exp(x), x, g)[0].numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=2e-6, atol=2e-6)


def test_matrix_exp_nan_as_pytorch() -> None:
    a = np.full((3, 3), np.nan)
    assert np.isnan(gtorch.linalg.matrix_exp(gtorch.tensor(a)).numpy()).all()
    assert np.isnan(torch_real.linalg.matrix_exp(torch_real.tensor(a)).numpy()).all()


# ----- multi_dot: the products in aten's order (it decides float32 rounding) ---------------------------------------

def _graph_shape(fn: Any) -> Any:
    if fn is None:
        return None
    return (type(fn).__name__, tuple(_graph_shape(f) for f, _ in fn.next_functions))


@pytest.mark.parametrize("shapes", [[(2, 30), (30, 3), (3, 40)], [(20, 2), (2, 30), (30, 3)],
                                    [(5, 10), (10, 2), (2, 8), (8, 30)], [(30, 4), (4, 20), (20, 2), (2, 9), (9, 1)]])
def test_multi_dot_order_as_pytorch(shapes: list) -> None:
    rng = np.random.default_rng(len(shapes))
    arrays = [rng.standard_normal(s) for s in shapes]
    graphs = []
    for T in (torch_real, gtorch):
        out = T.linalg.multi_dot([T.tensor(a, dtype=T.float32, requires_grad=True) for a in arrays])
        graphs.append(_graph_shape(out.grad_fn))
    assert graphs[1] == graphs[0]
