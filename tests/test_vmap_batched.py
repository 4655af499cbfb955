"""vmap's batched execution on gradsh alone: what it installs and removes, the per-sample fallback, its limits."""

from __future__ import annotations

import pytest

from gradsh import torch
from gradsh.engine import vmap_batched, vmap_rules


def test_the_ops_are_wrapped_only_while_vmap_runs() -> None:
    mul, sin = torch.Tensor.__mul__, torch.sin
    seen = []
    torch.func.vmap(lambda a: seen.append((torch.Tensor.__mul__ is mul, torch.sin is sin)) or a * 2)(torch.ones(2, 3))
    assert seen == [(False, False)]
    assert torch.Tensor.__mul__ is mul and torch.sin is sin
    assert vmap_batched.current_level() == 0


def test_an_op_without_a_rule_runs_once_per_sample() -> None:
    assert vmap_rules.rule_for("renorm") is None
    x = torch.tensor([[3.0, 4.0], [6.0, 8.0]], requires_grad=True)
    out = torch.func.vmap(lambda a: a.unsqueeze(0).renorm(2, 0, 1.0).squeeze(0))(x)
    expected = torch.stack([r.unsqueeze(0).renorm(2, 0, 1.0).squeeze(0) for r in x])
    assert torch.allclose(out, expected)
    names = []
    fn = out.grad_fn
    while fn is not None:
        names.append(fn.name())
        fn = fn.next_functions[0][0] if fn.next_functions else None
    assert "StackBackward0" in names


def test_nested_levels_carry_their_own_batch_dims() -> None:
    x = torch.arange(24.0).reshape(2, 3, 4)
    levels = []

    def inner(a: torch.Tensor) -> torch.Tensor:
        levels.append((vmap_batched.level_of(a), tuple(a.shape)))
        return a.sum()

    out = torch.func.vmap(torch.func.vmap(inner, in_dims=1), in_dims=0)(x)
    assert levels == [(2, (3,))]
    assert out.tolist() == x.sum(1).tolist()


def test_an_op_taken_before_vmap_started_raises_instead_of_computing_on_nothing() -> None:
    f = torch.sin  # bound before vmap wrapped the ops: vmap cannot reach it inside another function
    with pytest.raises(RuntimeError, match="reference taken before vmap started"):
        torch.func.vmap(lambda a: f(a))(torch.ones(2, 3))
    # passed to vmap itself, it is looked up again
    assert torch.func.vmap(f)(torch.zeros(2, 3)).tolist() == [[0.0] * 3] * 2


def test_a_drawing_function_runs_once_per_sample_in_the_modes_that_allow_it() -> None:
    torch.manual_seed(0)
    same = torch.func.vmap(lambda a: a + torch.rand(3), randomness="same")(torch.zeros(4, 3))
    assert all(torch.equal(same[0], row) for row in same)
    different = torch.func.vmap(lambda a: a + torch.rand(3), randomness="different")(torch.zeros(4, 3))
    assert not torch.equal(different[0], different[1])
