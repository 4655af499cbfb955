"""The plain backward's shortcuts (no hooks, no anomaly mode, no create_graph) keep PyTorch's semantics:
a stolen leaf gradient is never shared with anything else, numpy shortcuts give the Tensor path's
values, and the engine's GC thresholds apply only to a process that kept Python's defaults."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from gradsh import torch


def test_gradient_shared_by_two_leaves_is_not_aliased() -> None:
    x = torch.randn(3, requires_grad=True)
    y = torch.randn(3, requires_grad=True)
    (x + y).sum().backward()
    x.grad.add_(1)
    assert y.grad.tolist() == [1.0, 1.0, 1.0]


def test_user_gradient_is_copied_not_stolen() -> None:
    given = torch.ones(3)
    z = torch.randn(3, requires_grad=True)
    z.backward(given)
    z.grad.mul_(5)
    assert given.tolist() == [1.0, 1.0, 1.0]


def test_stolen_gradient_accumulates_in_place_on_a_second_pass() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.sum().backward(retain_graph=True)
    first = x.grad
    y.sum().backward()
    assert x.grad is first and x.grad.tolist() == [6.0, 6.0]


def test_broadcast_gradient_becomes_a_writable_copy() -> None:
    v = torch.randn(2, 3, requires_grad=True)
    v.sum().backward()
    v.grad.add_(1)  # sum's gradient is a read-only broadcast: the leaf gets its own memory
    assert v.grad.tolist() == [[2.0] * 3] * 2


def test_matmul_gradient_of_a_sum_matches_the_product_with_the_full_gradient() -> None:
    # sum's gradient reaches mm as a broadcast view; the products must be those of a full array of ones
    # (gradsh's own mm: numpy's, or MKL's with the exact extra, as PyTorch's)
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((5, 7)).astype(np.float32)
    b_np = rng.standard_normal((7, 3)).astype(np.float32)
    a = torch.tensor(a_np, requires_grad=True)
    b = torch.tensor(b_np, requires_grad=True)
    (a @ b).sum().backward()
    ones = torch.ones(5, 3)
    assert a.grad.numpy().tobytes() == torch.mm(ones, torch.tensor(b_np).t()).numpy().tobytes()
    assert b.grad.numpy().tobytes() == torch.mm(torch.tensor(a_np).t(), ones).numpy().tobytes()


def test_bias_and_mean_gradients_match_the_tensor_path() -> None:
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((6, 4)).astype(np.float32))
    b = torch.zeros(4, requires_grad=True)
    ((x + b) ** 2).mean().backward()
    expected = (2 * (x.numpy()) / np.float32(24)).sum(axis=0, dtype=np.float32)
    np.testing.assert_allclose(b.grad.numpy(), expected, rtol=1e-6)
    # under create_graph the same formulas run on Tensors and give the same values
    b2 = torch.zeros(4, requires_grad=True)
    (g,) = torch.autograd.grad(((x + b2) ** 2).mean(), b2, create_graph=True)
    assert g.detach().numpy().tobytes() == b.grad.numpy().tobytes()


def _thresholds_after_import(setup: str) -> str:
    code = f"import gc; {setup}; import gradsh.engine.graph; print(gc.get_threshold())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_gc_thresholds_raised_only_from_python_defaults() -> None:
    from gradsh.engine.graph import GC_THRESHOLDS

    assert _thresholds_after_import("pass") == str(GC_THRESHOLDS)
    assert _thresholds_after_import("gc.set_threshold(500, 5, 5)") == "(500, 5, 5)"


def test_a_bias_gradient_sums_in_the_same_order_as_tensor_sum() -> None:
    # a plain backward reduces the broadcast gradient in numpy; it must use Tensor.sum's order over the
    # leading dims (PyTorch's, ops/sum_orders.py), which differs from numpy's pairwise sum for long columns
    rng = np.random.default_rng(7)
    grad = torch.tensor(rng.standard_normal((5000, 3)).astype(np.float32))
    b = torch.zeros(3, requires_grad=True)
    (torch.zeros(5000, 3) + b).backward(grad)
    assert b.grad.numpy().tobytes() == grad.sum(dim=0).numpy().tobytes()
    assert b.grad.numpy().tobytes() != grad.numpy().sum(axis=0).tobytes()  # the case tells the orders apart


def _tagged_graph_order(torch_module: object) -> list:
    """The order in which backward runs tagged nodes of a graph of chains and branches (no hooks: the plain loop)."""
    order: list = []

    class Tag(torch_module.autograd.Function):
        @staticmethod
        def forward(ctx: object, x: object, name: str) -> object:
            ctx.name = name
            return x.clone()

        @staticmethod
        def backward(ctx: object, g: object) -> tuple:
            order.append(ctx.name)
            return g, None

    x = torch_module.ones(3, requires_grad=True)
    a = Tag.apply(x.tanh(), "a")
    left = Tag.apply(Tag.apply(a * 2, "l1").exp(), "l2")  # a chain: each node has one edge in
    right = Tag.apply(Tag.apply(a + 1, "r1").sin(), "r2")
    both = Tag.apply(left * right, "both")  # a node whose gradient goes to two single-edge children
    tail = Tag.apply(Tag.apply(both.sum(), "t1") * 3, "t2")
    (tail + Tag.apply(a.sum(), "skip")).backward()
    return order + [x.grad.tolist()]


@pytest.mark.parity
def test_chain_hand_over_keeps_pytorchs_node_order() -> None:
    # backward hands a gradient to a node whose only edge it is without the buffers dict; the order in
    # which nodes run (the ready queue's latest-first) and the gradients must stay PyTorch's
    real = pytest.importorskip("torch")
    assert _tagged_graph_order(torch) == _tagged_graph_order(real)
