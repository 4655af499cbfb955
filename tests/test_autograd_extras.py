"""torch.autograd extras (Function, functional, gradcheck) and the extra tensor ops of the nn issue."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gradsh import torch
from gradsh.testing import gradcheck as house_gradcheck
from gradsh.testing import gradgradcheck as house_gradgradcheck
from gradsh.torch.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp
from gradsh.torch.nn import functional as F

# ----- torch.autograd.functional -------------------------------------------------------------------------------


def test_jacobian_and_hessian_values() -> None:
    x = torch.tensor([1., 2.])
    assert jacobian(lambda x: x ** 2 * 3, x).tolist() == [[6.0, 0.0], [0.0, 12.0]]
    (jx, jy), (_ex, ey) = jacobian(lambda x, y: ((x * y).sum(), x.exp()), (x, torch.tensor([3., 4.])))
    assert jx.tolist() == [3.0, 4.0] and jy.tolist() == [1.0, 2.0] and ey.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert hessian(lambda x: (x ** 3).sum(), x).tolist() == [[6.0, 0.0], [0.0, 12.0]]
    j = jacobian(lambda x: x ** 2 * 3, x, create_graph=True)
    assert j.grad_fn.name() == "ViewBackward0"
    assert jacobian(lambda x: x ** 2, torch.tensor([1., 2.], requires_grad=True)).grad_fn is None


def test_vjp_jvp_hvp_vhp() -> None:
    x = torch.tensor([1., 2.])
    out, v = vjp(lambda x: x ** 2 * 3, x, torch.ones(2))
    assert out.tolist() == [3.0, 12.0] and v.tolist() == [6.0, 12.0]
    assert vjp(lambda x: (x ** 2).sum(), x)[1].tolist() == [2.0, 4.0]
    assert jvp(lambda x: x ** 2 * 3, x, torch.ones(2))[1].tolist() == [6.0, 12.0]
    assert hvp(lambda x: (x ** 3).sum(), x, torch.ones(2))[1].tolist() == [6.0, 12.0]
    assert vhp(lambda x: (x ** 3).sum(), x, torch.ones(2))[1].tolist() == [6.0, 12.0]
    with pytest.raises(RuntimeError, match="The vector v can only be None"):
        vjp(lambda x: x * 2, x)


# ----- torch.autograd.Function --------------------------------------------------------------------------------


class MyExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, i: Any, k: float) -> Any:
        r = i.exp() * k
        ctx.save_for_backward(r)
        ctx.k = k
        ctx.seen_needs = ctx.needs_input_grad
        return r

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (r,) = ctx.saved_tensors
        return g * r, None


def test_function_node_ctx_and_backward() -> None:
    a = torch.tensor([0., 1.], requires_grad=True)
    o = MyExp.apply(a, 2)
    node = o.grad_fn
    assert type(node).__name__ == "MyExpBackward" and node.name() == "MyExpBackward"
    assert repr(o) == "tensor([2.0000, 5.4366], grad_fn=<MyExpBackward>)"
    assert node.seen_needs == (True, False) and node.k == 2
    assert [type(f).__name__ for f, _ in node.next_functions] == ["AccumulateGrad"]
    assert repr(node).startswith("<torch.autograd.function.MyExpBackward object at 0x")
    o.sum().backward()
    assert np.allclose(a.grad.numpy(), [2.0, 2 * np.e])
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        o.sum().backward()
    with torch.no_grad():
        assert MyExp.apply(a, 2).grad_fn is None


def test_function_errors_and_multiple_outputs() -> None:
    a = torch.tensor([0., 1.], requires_grad=True)

    class Bad(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g, g

    with pytest.raises(RuntimeError, match=r"function BadBackward returned an incorrect number of gradients "
                                           r"\(expected 1, got 2\)"):
        Bad.apply(a).sum().backward()

    class Two(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2, x * 3

        @staticmethod
        def backward(ctx: Any, g1: Any, g2: Any) -> Any:
            return g1 * 2 + g2 * 3

    p, q = Two.apply(a)
    assert p.grad_fn is q.grad_fn and q.grad_fn.name() == "TwoBackward"
    p.sum().backward()  # the unused output's gradient is materialized as zeros
    assert a.grad.tolist() == [2.0, 2.0]


def test_function_with_setup_context_and_double_backward() -> None:
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(x: Any) -> Any:
            return x ** 3

        @staticmethod
        def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    x = torch.tensor(2.0, requires_grad=True)
    (g,) = torch.autograd.grad(Cube.apply(x), x, create_graph=True)
    assert g.item() == 12.0
    (gg,) = torch.autograd.grad(g, x)
    assert gg.item() == 12.0


# ----- gradcheck ----------------------------------------------------------------------------------------------


def test_torch_autograd_gradcheck() -> None:
    x = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: (a * a).sum(), (x,))
    with pytest.raises(RuntimeError) as e:
        torch.autograd.gradcheck(lambda a: a.detach() * 2 + a, (x,))
    assert type(e.value).__name__ == "GradcheckError"
    assert str(e.value) == (
        "Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[3.0000, 0.0000],\n        [0.0000, 3.0000]], dtype=torch.float64)\n"
        "analytical:tensor([[1., 0.],\n        [0., 1.]], dtype=torch.float64)\n")
    assert torch.autograd.gradcheck(lambda a: a.detach() * 2 + a, (x,), raise_exception=False) is False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert torch.autograd.gradcheck(lambda a: MyExp.apply(a, 2.0), (x,))
    assert torch.autograd.gradgradcheck(lambda a: (a ** 3).sum(), (x,))


def _f64(*shape: int, seed: int = 0, low: float = -1.0, high: float = 1.0) -> Any:
    rng = np.random.default_rng(seed)
    return torch.tensor(rng.uniform(low, high, shape), dtype=torch.float64, requires_grad=True)


GRADCHECK_CASES: list[tuple[str, Callable, Callable]] = [
    ("linear", lambda x, w, b: F.linear(x, w, b), lambda: (_f64(3, 4), _f64(2, 4, seed=1), _f64(2, seed=2))),
    ("linear3d", lambda x, w, b: F.linear(x, w, b), lambda: (_f64(2, 3, 4), _f64(2, 4, seed=1), _f64(2, seed=2))),
    ("cross_entropy", lambda x: F.cross_entropy(x, torch.tensor([0, 2, 1])), lambda: (_f64(3, 4),)),
    ("cross_entropy_weighted", lambda x: F.cross_entropy(x, torch.tensor([0, 2, 1]),
                                                         weight=torch.tensor([1., 2., .5, 1.], dtype=torch.float64)),
     lambda: (_f64(3, 4),)),
    ("nll_none", lambda x: F.nll_loss(x, torch.tensor([0, 2, 1]), reduction="none"), lambda: (_f64(3, 4),)),
    ("bce", lambda x, t: F.binary_cross_entropy(x, t), lambda: (_f64(5, low=0.1, high=0.9),
                                                                _f64(5, seed=1, low=0, high=1))),
    ("bce_logits", lambda x, t: F.binary_cross_entropy_with_logits(x, t), lambda: (_f64(5), _f64(5, seed=1, low=0))),
    ("bce_logits_pos_weight",
     lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=torch.tensor(2.0, dtype=torch.float64)),
     lambda: (_f64(5), _f64(5, seed=1, low=0))),
    ("l1", lambda x, t: F.l1_loss(x, t), lambda: (_f64(5), _f64(5, seed=1))),
    ("smooth_l1", lambda x, t: F.smooth_l1_loss(x, t, beta=0.5), lambda: (_f64(5), _f64(5, seed=1))),
    ("huber", lambda x, t: F.huber_loss(x, t, delta=0.5), lambda: (_f64(5), _f64(5, seed=1))),
    ("gelu", lambda x: F.gelu(x), lambda: (_f64(6),)),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), lambda: (_f64(6),)),
    ("silu", lambda x: F.silu(x), lambda: (_f64(6),)),
    ("softplus", lambda x: F.softplus(x, beta=2.0), lambda: (_f64(6),)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda: (_f64(6),)),
    ("elu", lambda x: F.elu(x), lambda: (_f64(6),)),
    ("logsigmoid", lambda x: F.logsigmoid(x), lambda: (_f64(6),)),
    ("logsumexp", lambda x: x.logsumexp(1), lambda: (_f64(3, 4),)),
    ("cumsum", lambda x: x.cumsum(1), lambda: (_f64(3, 4),)),
    ("scatter", lambda x, s: x.scatter(1, torch.tensor([[0], [2], [1]]), s), lambda: (_f64(3, 4), _f64(3, 1, seed=1))),
    ("index_add", lambda x, s: x.index_add(0, torch.tensor([0, 2, 0]), s), lambda: (_f64(3, 2), _f64(3, 2, seed=1))),
]


@pytest.mark.parametrize(("name", "fn", "inputs"), GRADCHECK_CASES, ids=[c[0] for c in GRADCHECK_CASES])
def test_gradcheck_float64(name: str, fn: Callable, inputs: Callable) -> None:
    assert house_gradcheck(fn, inputs())
    assert torch.autograd.gradcheck(fn, inputs())


@pytest.mark.parametrize("name", ["linear", "cross_entropy", "gelu", "silu", "logsumexp", "bce_logits"])
def test_gradgradcheck_float64(name: str) -> None:
    _, fn, inputs = next(c for c in GRADCHECK_CASES if c[0] == name)
    assert house_gradgradcheck(fn, inputs())


# ----- extra tensor ops ------------------------------------------------------------------------------------


def test_extra_ops_values_and_nodes() -> None:
    x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    assert x.logsumexp(1).grad_fn.name() == "LogsumexpBackward0"
    assert torch.cumsum(x, 0).tolist() == [[1.0, 2.0], [4.0, 6.0]]
    assert torch.cumsum(x, 0).grad_fn.name() == "CumsumBackward0"
    assert torch.allclose(x, x + 1e-9) and not torch.allclose(x, x + 1)
    assert torch.isclose(torch.tensor([1., 2.]), torch.tensor([1., 2.0001])).tolist() == [True, False]
    z = torch.zeros(3, 4).scatter(1, torch.tensor([[0], [1], [2]]), 5.)
    assert z.tolist() == [[5., 0., 0., 0.], [0., 5., 0., 0.], [0., 0., 5., 0.]]
    assert x.scatter(1, torch.tensor([[0], [1]]), 5.).grad_fn.name() == "ScatterBackward1"
    s = torch.zeros(2, 2).scatter(1, torch.tensor([[0], [1]]), x[:, :1])
    assert s.grad_fn.name() == "ScatterBackward0"
    assert torch.zeros(3).index_add(0, torch.tensor([0, 0]), torch.ones(2)).tolist() == [2., 0., 0.]
    y = x * 1
    assert y.index_add_(0, torch.tensor([0, 0]), torch.ones(2, 2)).grad_fn.name() == "IndexAddBackward0"
    t = torch.zeros(3)
    t.scatter_(0, torch.tensor([1]), torch.tensor([7.]))
    assert t.tolist() == [0., 7., 0.] and t._version == 1


# ----- parity with real PyTorch -------------------------------------------------------------------------------


@pytest.mark.parity
def test_functional_parity() -> None:
    real = pytest.importorskip("torch")
    if not hasattr(real, "_C"):
        pytest.skip("`import torch` does not give real PyTorch")
    import torch.autograd.functional as RF

    data = np.array([0.5, -1.0, 2.0], dtype=np.float32)

    def f(T: Any) -> Callable:
        return lambda x: (x.sin() * x.exp()).sum() + (x ** 3).prod()

    for ours, theirs in [
        (jacobian(lambda x: x.sin() * x.exp(), torch.tensor(data)),
         RF.jacobian(lambda x: x.sin() * x.exp(), real.tensor(data))),
        (hessian(f(torch), torch.tensor(data)), RF.hessian(f(real), real.tensor(data))),
        (vjp(f(torch), torch.tensor(data))[1], RF.vjp(f(real), real.tensor(data))[1]),
    ]:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
