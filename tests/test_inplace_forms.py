"""Issue 10: every in-place `name_` that PyTorch 2.13's Tensor has, for a `name` gradsh implements, exists.

The names come from the recorded PyTorch API (no torch needed); tests/test_inplace_forms_parity.py
compares each form with real PyTorch. Here: the enumeration, and what only gradsh's internals show
(memory kept, version counter, node names and zero gradients).
"""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch as G
from gradsh.engine.torch_api import torch_has


def missing_inplace_forms() -> list[str]:
    """`name_` forms recorded on PyTorch's Tensor whose `name` gradsh's Tensor has but `name_` it lacks."""
    public = [n for n in dir(G.Tensor) if not n.startswith("_") and callable(getattr(G.Tensor, n, None))]
    return sorted(n + "_" for n in public if torch_has("torch.Tensor", n + "_") and not hasattr(G.Tensor, n + "_"))


def test_every_recorded_inplace_form_of_an_implemented_op_exists() -> None:
    assert missing_inplace_forms() == []


def test_the_enumeration_sees_the_forms_it_checks() -> None:
    """The recorded names hold the forms this issue added, so the enumeration above can fail."""
    for name in ("eq_", "bitwise_and_", "squeeze_", "cumsum_", "addmm_", "as_strided_", "logical_not_"):
        assert torch_has("torch.Tensor", name)
        assert hasattr(G.Tensor, name)
    assert not torch_has("torch.Tensor", "no_such_op_")


def test_the_methods_carry_their_names() -> None:
    for name in ("eq_", "logical_and_", "cumsum_", "addmm_", "squeeze_", "unsqueeze_", "as_strided_", "bitwise_or_"):
        assert getattr(G.Tensor, name).__name__ == name


def test_squeeze_keeps_the_memory_and_moves_the_version() -> None:
    t = G.zeros(3, 1)
    memory = t._data.base if t._data.base is not None else t._data
    before = t._version
    assert t.squeeze_() is t
    assert tuple(t.shape) == (3,)
    assert t._version == before + 1
    assert np.shares_memory(t._data, memory)
    t.unsqueeze_(0)
    assert tuple(t.shape) == (1, 3)
    assert t._version == before + 2


@pytest.mark.parametrize("method,args,node", [
    ("squeeze_", (), "SqueezeBackward3"),
    ("squeeze_", (1,), "SqueezeBackward4"),
    ("squeeze_", ((1,),), "SqueezeBackward5"),
    ("unsqueeze_", (0,), "UnsqueezeBackward1"),
    ("as_strided_", ((3,), (1,)), "AsStridedBackward1"),
])
def test_shape_changes_record_pytorchs_inplace_nodes(method: str, args: tuple, node: str) -> None:
    leaf = G.ones(3, 1, requires_grad=True)
    t = leaf * 2
    getattr(t, method)(*args)
    assert t.grad_fn.name() == node
    t.sum().backward()
    assert leaf.grad.tolist() == [[2.0], [2.0], [2.0]]


@pytest.mark.parametrize("method,other,node", [
    ("eq_", 2.0, "EqBackward0"), ("ne_", 2.0, "NeBackward0"), ("lt_", 2.0, "LtBackward0"),
    ("le_", 2.0, "LeBackward0"), ("gt_", 2.0, "GtBackward0"), ("ge_", 2.0, "GeBackward0"),
    ("eq_", "tensor", "EqBackward1"), ("ge_", "tensor", "GeBackward1"),
])
def test_comparisons_in_place_write_the_dtype_and_record_a_zero_gradient(method: str, other: object,
                                                                          node: str) -> None:
    leaf = G.tensor([1.0, 2.0, 3.0], requires_grad=True)
    rhs = G.tensor([2.0, 2.0, 2.0], requires_grad=True) if other == "tensor" else other
    t = leaf * 5
    getattr(t, method)(rhs)
    assert t.dtype is G.float32
    assert set(t.tolist()) <= {0.0, 1.0}
    assert t.grad_fn.name() == node
    (t * 7).sum().backward()
    assert leaf.grad.tolist() == [0.0, 0.0, 0.0]
    if other == "tensor":
        assert rhs.grad.tolist() == [0.0, 0.0, 0.0]


def test_logical_forms_record_nothing_and_allow_a_leaf() -> None:
    leaf = G.tensor([0.0, 2.0], requires_grad=True)
    leaf.logical_not_()
    assert leaf.tolist() == [1.0, 0.0] and leaf.grad_fn is None and leaf._version == 1
    t = leaf * 1
    node = t.grad_fn
    t.logical_and_(G.tensor([1.0, 0.0]))
    assert t.grad_fn is node and t.tolist() == [1.0, 0.0]


def test_cumsum_and_addmm_refuse_what_does_not_fit_in_place() -> None:
    with pytest.raises(RuntimeError, match="input tensor dtype long int and output tensor dtype float should match"):
        G.tensor([1, 2]).cumsum_(0, dtype=G.float32)
    with pytest.raises(RuntimeError, match=r"input tensor size \[2\] and output tensor size \[2, 2\] should match"):
        G.ones(2).addmm_(G.ones(2, 3), G.ones(3, 2))
    t = G.ones(2, 2)
    assert t.addmm_(G.ones(2, 3), G.ones(3, 2), beta=2, alpha=3) is t
    assert t.tolist() == [[11.0, 11.0], [11.0, 11.0]]


def test_as_strided_in_place_indexes_the_storage_of_a_non_contiguous_tensor() -> None:
    """A transposed tensor's storage is its base's memory, in the base's order (as PyTorch's)."""
    t = G.arange(6.0).reshape(2, 3).t()
    assert t.as_strided_((2,), (1,)) is t
    assert tuple(t.shape) == (2,) and t.tolist() == [0.0, 1.0] and t.stride() == (1,)
