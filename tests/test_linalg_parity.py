"""torch.linalg and the linear-algebra torch.* functions against real PyTorch: values, node names, gradients.

Decompositions PyTorch defines only up to sign (eigh, svd) are compared through invariants: eigenvalues,
singular values, reconstructions, |vectors| and the gradients of sign-invariant functions of them.
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

RNG = np.random.default_rng(3)
SQUARE = RNG.standard_normal((3, 4, 4)) + 4 * np.eye(4)
SPD = SQUARE @ np.swapaxes(SQUARE, -1, -2) + np.eye(4)
TALL = RNG.standard_normal((2, 5, 3))
WIDE = RNG.standard_normal((2, 3, 5))
RHS = RNG.standard_normal((3, 4, 2))
VEC = RNG.standard_normal(4)


def _run(T: Any, fn: Callable, arrays: tuple) -> tuple:
    inputs = [T.tensor(a, requires_grad=True) for a in arrays]
    out = fn(T, *inputs)
    outs = [t for t in (out if isinstance(out, tuple) else (out,)) if t.is_floating_point() and t.requires_grad]
    rng = np.random.default_rng(0)
    grads = [T.tensor(rng.standard_normal(tuple(t.shape))) for t in outs]
    got = T.autograd.grad(outs, inputs, grads, allow_unused=True)
    return out, got


CASES = {
    "det": (lambda T, a: T.linalg.det(a), (SQUARE,)),
    "slogdet": (lambda T, a: T.linalg.slogdet(a), (SQUARE,)),
    "logdet": (lambda T, a: T.logdet(a), (SPD,)),
    "inv": (lambda T, a: T.linalg.inv(a), (SQUARE,)),
    "inv_ex": (lambda T, a: T.linalg.inv_ex(a), (SQUARE,)),
    "solve": (lambda T, a, b: T.linalg.solve(a, b), (SQUARE, RHS)),
    "solve_vector": (lambda T, a, b: T.linalg.solve(a[0], b), (SQUARE, VEC)),
    "solve_right": (lambda T, a, b: T.linalg.solve(a, b.transpose(-2, -1), left=False), (SQUARE, RHS)),
    "cholesky": (lambda T, a: T.linalg.cholesky(a), (SPD,)),
    "cholesky_upper": (lambda T, a: T.cholesky(a, upper=True), (SPD,)),
    "solve_triangular": (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True), (SQUARE, RHS)),
    "triangular_solve": (lambda T, b, a: T.triangular_solve(b, a, upper=False, transpose=True), (RHS, SQUARE)),
    "cholesky_solve": (lambda T, b, a: T.cholesky_solve(b, T.linalg.cholesky(a)), (RHS, SPD)),
    "cholesky_inverse": (lambda T, a: T.cholesky_inverse(T.linalg.cholesky(a)), (SPD,)),
    "matrix_exp": (lambda T, a: T.linalg.matrix_exp(a * 0.2), (SQUARE,)),
    "pinv_tall": (lambda T, a: T.linalg.pinv(a), (TALL,)),
    "pinv_wide": (lambda T, a: T.linalg.pinv(a), (WIDE,)),
    "eigvalsh": (lambda T, a: T.linalg.eigvalsh(a), (SPD,)),
    "svdvals": (lambda T, a: T.linalg.svdvals(a), (TALL,)),
    "qr_tall": (lambda T, a: T.linalg.qr(a), (TALL,)),
    "qr_wide": (lambda T, a: T.linalg.qr(a), (WIDE,)),
    "lu_factor": (lambda T, a: T.linalg.lu_factor(a)[0], (SQUARE,)),
    "lu_tall": (lambda T, a: T.linalg.lu(a), (TALL,)),
    "lu_wide": (lambda T, a: T.linalg.lu(a), (WIDE,)),
    "lu_solve": (lambda T, a, b: T.linalg.lu_solve(*T.linalg.lu_factor(a), b, adjoint=True), (SQUARE, RHS)),
    "matrix_norms": (lambda T, a: tuple(T.linalg.matrix_norm(a, o) for o in ("fro", "nuc", 2, -2, 1, -1)),
                     (TALL,)),
    "vector_norm": (lambda T, a: T.linalg.vector_norm(a, 3, dim=(-2, -1)), (TALL,)),
    "norm": (lambda T, a: T.linalg.norm(a[0], "nuc"), (TALL,)),
    "cond": (lambda T, a: (T.linalg.cond(a), T.linalg.cond(a.detach(), 1), T.linalg.cond(a.detach(), "fro")),
             (SQUARE,)),
    "matrix_power": (lambda T, a: (T.linalg.matrix_power(a, 3), T.linalg.matrix_power(a, -2)), (SQUARE,)),
    "lstsq": (lambda T, a, b: T.linalg.lstsq(a, b).solution, (TALL, RNG.standard_normal((2, 5, 2)))),
    "lstsq_residuals": (lambda T, a, b: tuple(T.linalg.lstsq(a, b, driver="gels"))[:2],
                        (TALL, RNG.standard_normal((2, 5, 2)))),
    "trace_vdot": (lambda T, a, v: (T.trace(a[0]), T.vdot(v, v), T.linalg.vecdot(a, a)), (SQUARE, VEC)),
    "addmv_addr": (lambda T, a, v: (T.addmv(v, a[0], v, beta=0.5, alpha=2), T.addr(a[0], v, v, alpha=-1)),
                   (SQUARE, VEC)),
    "baddbmm_addbmm": (lambda T, a, b: (T.baddbmm(b, a, b, beta=2), T.addbmm(b[0], a, b)), (SQUARE, RHS)),
    "cross_dist": (lambda T, a, b: (T.linalg.cross(a, b), T.dist(a, b, 3)), (TALL, TALL[::-1].copy())),
    "kron_tensordot_inner": (lambda T, a, b: (T.kron(a, b), T.tensordot(a, b, ([2, 0], [1, 0])), T.inner(a, b.mT)),
                             (TALL, WIDE)),
    "einsum": (lambda T, a, b: (T.einsum("bij,bjk->bik", a, b), T.einsum("ii->i", a[0]),
                                T.einsum("i,j->ij", a[0, 0], b[0, :, 0]), T.einsum("...ij->...", a),
                                T.einsum("bij,bjk", a, b), T.einsum("...ik, ...j -> ij", a, b[0, 0])), (SQUARE, RHS)),
    "householder_product": (lambda T, a, t: T.linalg.householder_product(a, t[..., :2, 0]), (TALL, TALL)),
    "ormqr": (lambda T, a, t, c: (T.ormqr(a, t[..., :3, 0], c, left=True, transpose=True),
                                  T.ormqr(a, t[..., :3, 0], c.mT, left=False)), (TALL, TALL, RNG.standard_normal((2, 5, 3)))),
    "multi_dot": (lambda T, a, b, v: T.linalg.multi_dot([v, a[0], b[0]]), (SQUARE, RHS, VEC)),
    "tensorinv_tensorsolve": (lambda T, a, b: (T.linalg.tensorinv(a.reshape(4, 4, 4, 4), ind=2),
                                               T.linalg.tensorsolve(a.reshape(4, 4, 4, 4), b)),
                              (RNG.standard_normal((16, 16)) + 6 * np.eye(16), RNG.standard_normal((4, 4)))),
}


def _outputs(x: Any) -> list:
    return list(x) if isinstance(x, tuple) else [x]


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_nodes_and_gradients(name: str) -> None:
    fn, arrays = CASES[name]
    ref_out, ref_grads = _run(torch_real, fn, arrays)
    got_out, got_grads = _run(gtorch, fn, arrays)
    for r, g in zip(_outputs(ref_out), _outputs(got_out)):
        assert str(g.dtype) == str(r.dtype) and tuple(g.shape) == tuple(r.shape)
        np.testing.assert_allclose(g.detach().numpy(), r.detach().numpy(), rtol=1e-7, atol=1e-9)
        assert (type(g.grad_fn).__name__ if g.grad_fn else None) == (type(r.grad_fn).__name__ if r.grad_fn else None)
    for r, g in zip(ref_grads, got_grads):
        assert (r is None) == (g is None)
        if r is not None:
            np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=1e-6, atol=1e-8)


def _eigh_invariants(T: Any, a: Any) -> tuple:
    w, V = T.linalg.eigh(a)
    return w, V @ T.diag_embed(w) @ V.mT if hasattr(T, "diag_embed") else V * w.unsqueeze(-2) @ V.mT, V.abs()


def _svd_invariants(T: Any, a: Any) -> tuple:
    U, S, Vh = T.linalg.svd(a, full_matrices=False)
    return S, (U * S.unsqueeze(-2)) @ Vh, U.abs(), Vh.abs(), (U @ Vh).sum()


@pytest.mark.parametrize("fn, array", [(_eigh_invariants, SPD), (_svd_invariants, TALL), (_svd_invariants, WIDE)],
                         ids=["eigh", "svd_tall", "svd_wide"])
def test_sign_ambiguous_decompositions_through_invariants(fn: Callable, array: np.ndarray) -> None:
    outs = []
    for T in (torch_real, gtorch):
        a = T.tensor(array, requires_grad=True)
        values = fn(T, a)
        loss = sum((v * v).sum() for v in values[:2]) + (values[-1] if values[-1].dim() == 0 else 0)
        (g,) = T.autograd.grad(loss, a)
        outs.append(([v.detach().numpy() for v in values], g.numpy()))
    for r, g in zip(outs[0][0], outs[1][0]):
        np.testing.assert_allclose(g, r, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("call", [
    lambda T: T.linalg.det(T.ones(2, 3)),
    lambda T: T.linalg.inv(T.zeros(3, 3)),
    lambda T: T.linalg.inv(T.zeros(2, 3, 3)),
    lambda T: T.linalg.cholesky(-T.eye(3)),
    lambda T: T.linalg.det(T.ones(3, 3, dtype=T.int64)),
    lambda T: T.linalg.solve(T.eye(3), T.ones(3, dtype=T.float64)),
])
def test_error_texts(call: Callable) -> None:
    errors = []
    for T in (torch_real, gtorch):
        with pytest.raises(RuntimeError) as info:
            call(T)
        errors.append(str(info.value).splitlines()[0])
    assert errors[1] == errors[0]


@pytest.mark.parametrize("name", ["geqrf", "ldl_factor", "ldl_solve"])
def test_lapack_factorizations_without_gradients(name: str) -> None:
    sym = SPD - 6 * np.eye(4)  # symmetric and indefinite: Bunch-Kaufman pivots
    outs = []
    for T in (torch_real, gtorch):
        if name == "geqrf":
            outs.append(tuple(T.geqrf(T.tensor(TALL))))
        elif name == "ldl_factor":
            outs.append(tuple(T.linalg.ldl_factor(T.tensor(sym))))
        else:
            LD, piv = T.linalg.ldl_factor(T.tensor(sym))
            outs.append((T.linalg.ldl_solve(LD, piv, T.tensor(RHS)),))
    for r, g in zip(*outs):
        assert str(g.dtype) == str(r.dtype)
        np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=1e-7, atol=1e-9)
