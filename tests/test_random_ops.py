"""gradsh.torch's random API against PyTorch 2.13's recorded RNG vectors, plus the autograd rules of sampling.

The vectors (tests/data/rng_vectors.jsonl) run against the real facade, gradsh.torch, exactly as
shared/tools/check_rng_vectors.py runs them; the kernel-level tests in test_random_kernels.py use a shim.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import rng_vectors

import gradsh.torch.nn.functional as F
from gradsh import torch

LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."


# ---------------------------------------------------------------------------------------------------------------
# The recorded vectors


@pytest.mark.parametrize("case", rng_vectors.params())
def test_vector(case: dict) -> None:
    rng_vectors.check(case, torch)


def test_vectors_cover_every_api() -> None:
    text = rng_vectors.VECTORS.read_text()
    for name in ("manual_seed", "get_rng_state", "set_rng_state", "Generator", "randn", "rand(", "randint(",
                 "randperm", "normal(", "normal_", "uniform_", "random_", "bernoulli", "multinomial", "dropout",
                 "exponential_", "cauchy_", "log_normal_", "geometric_", "randint_like", "randn_like", "rand_like"):
        assert name in text, name


# ---------------------------------------------------------------------------------------------------------------
# In-place samplers: version counter, leaf errors, recorded nodes

INPLACE: list[tuple[str, tuple, str]] = [
    ("normal_", (), "NormalBackward0"),
    ("normal_", (1.0, 2.0), "NormalBackward0"),
    ("uniform_", (), "UniformBackward0"),
    ("uniform_", (0, 2), "UniformBackward0"),
    ("random_", (), "RandomBackward2"),
    ("random_", (5,), "RandomBackward1"),
    ("random_", (1, 5), "RandomBackward0"),
    ("random_", (1, None), "RandomBackward0"),
    ("bernoulli_", (0.5,), "BernoulliBackward2"),
    ("exponential_", (), "ExponentialBackward0"),
    ("cauchy_", (), "CauchyBackward0"),
    ("log_normal_", (), "LogNormalBackward0"),
    ("geometric_", (0.5,), "GeometricBackward0"),
]
INPLACE_IDS = [f"{m}{args}" for m, args, _ in INPLACE]


@pytest.mark.parametrize(("method", "args", "node"), INPLACE, ids=INPLACE_IDS)
def test_inplace_bumps_version_and_returns_self(method: str, args: tuple, node: str) -> None:
    t = torch.zeros(2, 3)
    before = t._version
    out = getattr(t, method)(*args)
    assert out is t
    assert t._version == before + 1
    assert t.grad_fn is None and not t.requires_grad


@pytest.mark.parametrize(("method", "args", "node"), INPLACE, ids=INPLACE_IDS)
def test_inplace_on_leaf_raises_before_drawing(method: str, args: tuple, node: str) -> None:
    x = torch.ones(4, requires_grad=True)
    torch.manual_seed(0)
    state = torch.get_rng_state()
    with pytest.raises(RuntimeError, match=re.escape(LEAF)):
        getattr(x, method)(*args)
    assert x._version == 0
    assert torch.get_rng_state().tolist() == state.tolist()
    with pytest.raises(RuntimeError, match=re.escape(VIEW_OF_LEAF)):
        getattr(x[:2], method)(*args)


@pytest.mark.parametrize(("method", "args", "node"), INPLACE, ids=INPLACE_IDS)
def test_inplace_on_nonleaf_records_zero_gradient(method: str, args: tuple, node: str) -> None:
    x = torch.ones(4, requires_grad=True)
    y = x * 2
    out = getattr(y, method)(*args)
    assert out is y and y._version == 1
    assert type(y.grad_fn).__name__ == node
    assert y.grad_fn.next_functions[0][0] is not None
    y.sum().backward()
    assert x.grad.tolist() == [0.0] * 4


def test_inplace_on_leaf_under_no_grad_is_allowed() -> None:
    x = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        x.normal_()
    assert x.requires_grad and x.grad_fn is None and x._version == 1


def test_inplace_through_a_view_rebases_the_base() -> None:
    x = torch.ones(2, 3, requires_grad=True)
    v = x * 1
    v[0].uniform_()
    assert v.grad_fn.name() == "torch::autograd::CopySlices"
    v.sum().backward()
    assert x.grad.tolist() == [[0.0] * 3, [1.0] * 3]


def test_bernoulli_with_tensor_p_records_both_inputs() -> None:
    x = torch.ones(3, requires_grad=True)
    p = torch.full((3,), 0.5, requires_grad=True)
    y = x * 1
    y.bernoulli_(p)
    assert type(y.grad_fn).__name__ == "BernoulliBackward1"
    y.sum().backward()
    assert x.grad.tolist() == [0.0] * 3 and p.grad.tolist() == [0.0] * 3


def test_noncontiguous_target_draws_in_memory_order() -> None:
    torch.manual_seed(2)
    y = torch.empty(4, 6).t().uniform_()
    torch.manual_seed(2)
    storage = torch.empty(4, 6).uniform_()
    assert y.tolist() == storage.t().tolist()


def test_dtype_errors() -> None:
    with pytest.raises(NotImplementedError, match="\"normal_kernel_cpu\" not implemented for 'Long'"):
        torch.empty(3, dtype=torch.int64).normal_()
    with pytest.raises(NotImplementedError, match="\"check_uniform_bounds\" not implemented for 'Long'"):
        torch.rand(2, dtype=torch.int64)
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        torch.randint(0, 5, (2,), requires_grad=True)


# ---------------------------------------------------------------------------------------------------------------
# Factories, generators and the global state


def test_factories_make_leaves_that_require_grad() -> None:
    for make in (lambda: torch.randn(2, 3, requires_grad=True), lambda: torch.rand((2, 3), requires_grad=True),
                 lambda: torch.normal(0.0, 1.0, size=(2, 3), requires_grad=True)):
        t = make()
        assert t.requires_grad and t.is_leaf and t.grad_fn is None and tuple(t.shape) == (2, 3)


def test_size_forms() -> None:
    assert tuple(torch.randn(2, 3).shape) == tuple(torch.randn((2, 3)).shape) == tuple(torch.randn([2, 3]).shape)
    assert tuple(torch.randn(()).shape) == ()
    assert tuple(torch.randint(10, (2, 2)).shape) == (2, 2)
    assert tuple(torch.randint(low=1, high=3, size=(4,)).shape) == (4,)
    with pytest.raises(TypeError, match=r"randint\(\) received an invalid combination of arguments - got \(int\)"):
        torch.randint(10)
    with pytest.raises(TypeError, match=r"normal\(\) received an invalid combination"):
        torch.normal(1.0, 2.0)


def test_normal_overloads_record_their_nodes() -> None:
    m = torch.zeros(2, 1, requires_grad=True)
    s = torch.ones(3, requires_grad=True)
    assert torch.normal(m, 1.0).grad_fn.name() == "NormalBackward1"
    assert torch.normal(0.0, s).grad_fn.name() == "NormalBackward2"
    out = torch.normal(m, s)
    assert out.grad_fn.name() == "NormalBackward3" and tuple(out.shape) == (2, 3)
    out.sum().backward()
    assert m.grad.tolist() == [[0.0], [0.0]] and s.grad.tolist() == [0.0] * 3


def test_bernoulli_nodes() -> None:
    p = torch.full((3,), 0.5, requires_grad=True)
    assert torch.bernoulli(p).grad_fn.name() == "BernoulliBackward0"
    out = torch.bernoulli(torch.ones(3, requires_grad=True), 0.5)
    assert repr(out.grad_fn).startswith("<NotImplemented object at 0x")
    with pytest.raises(RuntimeError, match="derivative for aten::bernoulli is not implemented"):
        out.sum().backward()


def test_manual_seed_returns_the_default_generator() -> None:
    g = torch.manual_seed(3)
    assert g is torch.default_generator and isinstance(g, torch.Generator)
    assert torch.initial_seed() == 3
    assert re.fullmatch(r"<torch\._C\.Generator object at 0x[0-9a-f]+>", repr(g))
    assert str(torch.Generator().device) == "cpu"


def test_rng_state_is_a_uint8_tensor() -> None:
    torch.manual_seed(5)
    state = torch.get_rng_state()
    assert state.dtype is torch.uint8 and tuple(state.shape) == (5056,)
    a = torch.randn(5)
    torch.set_rng_state(state)
    assert torch.randn(5).tolist() == a.tolist()
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        torch.set_rng_state(torch.zeros(5056))
    with pytest.raises(TypeError, match="expected a torch.ByteTensor, but got numpy.ndarray"):
        torch.set_rng_state(state.numpy())


SAMPLERS: list[tuple[str, Callable]] = [
    ("rand", lambda g: torch.rand(5, generator=g)),
    ("randn", lambda g: torch.randn(20, generator=g)),
    ("randint", lambda g: torch.randint(0, 9, (5,), generator=g)),
    ("randperm", lambda g: torch.randperm(7, generator=g)),
    ("normal", lambda g: torch.normal(torch.zeros(4), 1.0, generator=g)),
    ("bernoulli", lambda g: torch.bernoulli(torch.full((6,), 0.5), generator=g)),
    ("multinomial", lambda g: torch.multinomial(torch.tensor([1.0, 2.0, 3.0]), 2, generator=g)),
    ("rand_like", lambda g: torch.rand_like(torch.zeros(3), generator=g)),
    ("normal_", lambda g: torch.empty(3).normal_(generator=g)),
    ("uniform_", lambda g: torch.empty(3).uniform_(generator=g)),
    ("random_", lambda g: torch.empty(3).random_(10, generator=g)),
    ("bernoulli_", lambda g: torch.empty(3).bernoulli_(0.5, generator=g)),
    ("exponential_", lambda g: torch.empty(3).exponential_(generator=g)),
    ("cauchy_", lambda g: torch.empty(3).cauchy_(generator=g)),
    ("log_normal_", lambda g: torch.empty(3).log_normal_(generator=g)),
    ("geometric_", lambda g: torch.empty(3).geometric_(0.3, generator=g)),
]


@pytest.mark.parametrize(("name", "draw"), SAMPLERS, ids=[n for n, _ in SAMPLERS])
def test_generator_is_independent_of_the_default(name: str, draw: Callable) -> None:
    torch.manual_seed(0)
    state = torch.get_rng_state()
    got = draw(torch.Generator().manual_seed(11))
    assert torch.get_rng_state().tolist() == state.tolist()  # the default generator was not touched
    torch.manual_seed(11)
    assert draw(None).tolist() == got.tolist()  # same seed, same stream
    assert draw(torch.Generator().manual_seed(11)).tolist() == got.tolist()


# ---------------------------------------------------------------------------------------------------------------
# dropout and topk


def test_dropout_returns_the_input_when_nothing_is_drawn() -> None:
    x = torch.ones(5, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)


def test_dropout_backward_is_the_mask() -> None:
    torch.manual_seed(0)
    x = torch.ones(10, requires_grad=True)
    y = F.dropout(x, 0.5)
    assert y.grad_fn.name() == "MulBackward0"
    assert y.grad_fn.next_functions[1] == (None, 0)
    y.sum().backward()
    assert x.grad.tolist() == y.tolist()
    assert set(y.tolist()) <= {0.0, 2.0}


def test_dropout_inplace() -> None:
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(LEAF)):
        F.dropout(x, 0.5, inplace=True)
    y = x * 1
    out = F.dropout(y, 0.5, inplace=True)
    assert out is y and y._version == 1 and y.grad_fn.name() == "MulBackward0"


def test_topk_tie_order_and_backward() -> None:
    r = torch.topk(torch.arange(40.0) % 7, 10)
    assert r.values.tolist() == [6.0] * 5 + [5.0] * 5
    assert r.indices.tolist() == [34, 13, 20, 6, 27, 5, 12, 19, 33, 26]
    assert torch.tensor([3.0, 1.0, 3.0, 2.0, 3.0, 0.0]).topk(3).indices.tolist() == [2, 4, 0]
    assert torch.tensor([3.0, 1.0, 3.0, 2.0, 3.0, 0.0]).topk(3, largest=False).indices.tolist() == [5, 1, 3]
    assert torch.topk(torch.tensor([[3.0, 1.0], [3.0, 2.0], [3.0, 0.0]]), 2, dim=0).indices.tolist() == \
        [[0, 1], [1, 0]]
    t = torch.tensor([3.0, 1.0, 3.0, 2.0], requires_grad=True)
    values = t.topk(2).values
    assert values.grad_fn.name() == "TopkBackward0"
    values.sum().backward()
    assert t.grad.tolist() == [1.0, 0.0, 1.0, 0.0]
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        torch.topk(torch.tensor([1.0, 2.0]), 3)
