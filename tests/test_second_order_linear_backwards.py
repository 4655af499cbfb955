"""Backward formulas linear in the gradient (relu's mask, pooling, a convolution's bias) under create_graph,
against PyTorch: the node names of the first gradient, and second gradients through a nonlinear loss, so
that the seed gradient requires grad and each formula's transpose (ops/grad_linear.py) is exercised,
which op_db's samples (constant seed gradients) never do.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch as gtorch

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity

CASES = [
    ("relu", (3, 4), (), {}),
    ("relu6", (3, 4), (), {}),
    ("leaky_relu", (3, 4), (0.2,), {}),
    ("hardtanh", (3, 4), (-0.5, 0.7), {}),
    ("hardshrink", (3, 4), (0.3,), {}),
    ("softshrink", (3, 4), (0.3,), {}),
    ("threshold", (3, 4), (0.1, 2.0), {}),
    ("max_pool1d", (2, 3, 7), (2,), {}),
    ("max_pool2d", (2, 3, 5, 6), (3, 2, 1), {}),
    ("max_pool3d", (2, 2, 5, 6, 4), (2,), {}),
    ("avg_pool1d", (2, 3, 7), (3, 2, 1), {"ceil_mode": True}),
    ("avg_pool2d", (2, 3, 5, 7), (3, 2, 1), {"ceil_mode": True}),
    ("avg_pool2d", (2, 3, 5, 7), (3, 2, 1), {"count_include_pad": False}),
    ("avg_pool2d", (2, 3, 5, 7), (2,), {"divisor_override": 3}),
    ("avg_pool3d", (2, 2, 5, 6, 4), (2,), {}),
    ("adaptive_avg_pool1d", (2, 3, 7), (3,), {}),
    ("adaptive_avg_pool2d", (2, 3, 5, 7), ((3, 4),), {}),
    ("adaptive_avg_pool3d", (2, 3, 5, 7, 4), ((3, 4, 2),), {}),
    ("adaptive_max_pool2d", (2, 3, 5, 7), ((3, 4),), {}),
    ("adaptive_max_pool3d", (2, 3, 5, 7, 4), ((3, 4, 2),), {}),
    ("pad", (2, 3, 5, 6), ((2, 1, 1, 3),), {"mode": "reflect"}),
    ("pad", (2, 3, 5), ((2, 3),), {"mode": "replicate"}),
    ("pad", (2, 3, 5), ((-1, 2),), {"mode": "replicate"}),
    ("nll_loss", (4, 3), (np.array([0, 2, 1, 2]),), {}),
    ("nll_loss", (4, 3, 2), (np.array([[0, 2], [1, 1], [2, 0], [0, 0]]),), {"reduction": "none"}),
    ("prelu", (2, 3, 5), (np.array([0.25, -0.5, 1.5]),), {}),  # a weight that does not require grad
]


def second_order(T: object, name: str, data: np.ndarray, args: tuple, kwargs: dict) -> tuple:
    x = T.tensor(data, dtype=T.float64, requires_grad=True)
    args = tuple(T.tensor(a) if isinstance(a, np.ndarray) else a for a in args)  # targets, a weight
    y = getattr(T.nn.functional, name)(x, *args, **kwargs)
    (g,) = T.autograd.grad((y ** 3).sum(), x, create_graph=True)  # the seed gradient 3y^2 requires grad
    (gg,) = T.autograd.grad((g * g).sum(), x, retain_graph=True)
    (g_const,) = T.autograd.grad(y, x, T.ones_like(y), create_graph=True)  # a constant seed: op_db's case
    (gg_const,) = T.autograd.grad(g_const, x, T.ones_like(g_const), allow_unused=True)
    return g.grad_fn.name(), g_const.grad_fn.name(), np.array(gg.tolist()), gg_const is None or gg_const.tolist()


@pytest.mark.parametrize(("name", "shape", "args", "kwargs"), CASES)
def test_second_order_through_a_nonlinear_loss_matches_pytorch(name: str, shape: tuple, args: tuple,
                                                               kwargs: dict) -> None:
    data = np.random.default_rng(0).standard_normal(shape)
    ref, got = second_order(torch, name, data, args, kwargs), second_order(gtorch, name, data, args, kwargs)
    assert got[:2] == ref[:2]  # node names
    np.testing.assert_allclose(got[2], ref[2], rtol=1e-10, atol=1e-12)
    assert got[3] == ref[3]  # zeros (derivatives.yaml's zeros_like) for the saved input


@pytest.mark.parametrize("transposed", [False, True])
def test_a_convolution_bias_gradient_records_as_pytorch_does(transposed: bool) -> None:
    rng = np.random.default_rng(1)
    xs, ws, bs = rng.standard_normal((2, 3, 6)), rng.standard_normal((3, 3, 3)), rng.standard_normal(3)
    seen = []
    for T in (torch, gtorch):
        x, w, b = (T.tensor(a, dtype=T.float64, requires_grad=True) for a in (xs, ws, bs))
        conv = T.nn.functional.conv_transpose1d if transposed else T.nn.functional.conv1d
        y = conv(x, w, b, stride=2)
        _, _, gb = T.autograd.grad((y ** 3).sum(), (x, w, b), create_graph=True)
        second = T.autograd.grad((gb ** 2).sum(), (x, w, b), allow_unused=True, retain_graph=True)
        second = [None if s is None else s.tolist() for s in second]
        (gb_const,) = T.autograd.grad(conv(x.detach(), w.detach(), b, stride=2), b, T.ones_like(y), create_graph=True)
        seen.append((gb.grad_fn.name(), second, gb_const.requires_grad,
                     T.autograd.grad(conv(x, w, b, stride=2), b, T.ones_like(y), create_graph=True)[0].requires_grad))
    for got, ref in zip(seen[1][1], seen[0][1]):
        if ref is None or got is None:
            assert got is ref
        else:
            np.testing.assert_allclose(got, ref, rtol=1e-10)
    assert (seen[1][0], seen[1][2:]) == (seen[0][0], seen[0][2:])


def test_a_plain_backward_records_nothing() -> None:
    x = gtorch.randn(2, 3, 5, 5, dtype=gtorch.float64, requires_grad=True)
    y = gtorch.nn.functional.max_pool2d(gtorch.relu(x), 2)
    (g,) = gtorch.autograd.grad(y.sum(), x)
    assert g.grad_fn is None and not g.requires_grad


NORMS = {
    "batch_norm": lambda F, x, w, b: F.batch_norm(x, None, None, w, b, True),
    "layer_norm": lambda F, x, w, b: F.layer_norm(x.transpose(1, 2), (3,), w, b),
    "group_norm": lambda F, x, w, b: F.group_norm(x, 3, w, b),
}


@pytest.mark.parametrize("name", sorted(NORMS))
def test_a_normalization_bias_gradient_records_as_pytorch_does(name: str) -> None:
    rng = np.random.default_rng(2)
    xs, ws, bs = rng.standard_normal((2, 3, 5)), rng.standard_normal(3), rng.standard_normal(3)
    seen = []
    for T in (torch, gtorch):
        x, w, b = (T.tensor(a, dtype=T.float64, requires_grad=True) for a in (xs, ws, bs))
        y = NORMS[name](T.nn.functional, x, w, b)
        _, _, gb = T.autograd.grad((y ** 3).sum(), (x, w, b), create_graph=True)
        second = T.autograd.grad((gb ** 2).sum(), (x, w, b), allow_unused=True)
        plain = [None if s is None else s.tolist() for s in second]
        with_weight_only = NORMS[name](T.nn.functional, x.detach(), w, b)
        (gb_w,) = T.autograd.grad(with_weight_only, b, T.ones_like(with_weight_only), create_graph=True)
        seen.append((gb.grad_fn and gb.grad_fn.name(), gb_w.requires_grad, plain))
    assert seen[1][:2] == seen[0][:2]
    for got, ref in zip(seen[1][2], seen[0][2]):
        if ref is None or got is None:
            assert got is ref
        else:
            np.testing.assert_allclose(got, ref, rtol=1e-9)


@pytest.mark.parametrize("n", [0, 1])
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_the_gradient_of_a_small_determinant_is_a_constant_as_in_pytorch(n: int, dtype: str) -> None:
    data = np.arange(1, 2 * n * n + 1).reshape(2, n, n) * (0.5 - 0.25j if dtype == "complex128" else 0.5)
    seen = []
    for T in (torch, gtorch):
        A = T.tensor(data, dtype=getattr(T, dtype), requires_grad=True)
        d = T.linalg.det(A)
        (g,) = T.autograd.grad(d, A, T.tensor([2.0, -3.0], dtype=getattr(T, dtype)), create_graph=True)
        seen.append((g.requires_grad, repr(g.detach()).replace("tensor", "")))
    assert seen[1] == seen[0]


def test_a_scalar_product_passes_its_gradient_through_as_in_pytorch() -> None:
    seen = []
    for T in (torch, gtorch):
        x = T.tensor([float("inf"), 0.0, 2.0], dtype=T.float64, requires_grad=True)
        grads = [T.autograd.grad(x[i].prod(*dim), x, create_graph=True)[0] for i in range(3) for dim in ((), (0,))]
        seen.append([(g.tolist(), g.requires_grad) for g in grads])
    assert seen[1] == seen[0]
