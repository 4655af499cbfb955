"""The unary table (ops/unary.py): each row's formula, evaluated on numpy arrays in a plain backward and on
Tensors under create_graph, gives the same bits; every row has its function, method and in-place forms."""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch
from gradsh.engine.graph import FREED_SLOT, SavedTensor
from gradsh.engine.ops import unary

ROWS = sorted(cls.__name__ for cls in unary.UnaryNode.__subclasses__())
# the table's rows by op name (TENSOR_MATH also holds helpers the formulas call, such as threshold_backward)
NAMES = sorted(name for name in vars(unary.TENSOR_MATH) if hasattr(getattr(unary, name, None), "node"))


def _input(name: str, dtype: torch.dtype) -> torch.Tensor:
    rng = np.random.default_rng(sum(map(ord, name)))
    values = rng.uniform(-0.9, 0.9, (3, 5))
    if name in ("log", "log2", "log10", "sqrt", "rsqrt", "reciprocal"):
        values = np.abs(values) + 0.1
    if name == "acosh":  # its domain starts at 1
        values = np.abs(values) + 1.1
    return torch.tensor(values.tolist(), dtype=dtype, requires_grad=True)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("name", NAMES)
def test_numpy_and_tensor_evaluations_agree_bitwise(name: str, dtype: torch.dtype) -> None:
    x = _input(name, dtype)
    g = torch.tensor(np.linspace(-2.0, 3.0, 15).reshape(3, 5).tolist(), dtype=dtype)
    y = getattr(torch, name)(x)
    (plain,) = torch.autograd.grad(y, x, g, retain_graph=True)  # numpy path
    (graphed,) = torch.autograd.grad(y, x, g, create_graph=True)  # Tensor path
    assert plain.dtype == graphed.dtype == dtype
    assert np.array_equal(plain.numpy(), graphed.detach().numpy())


def test_every_row_has_its_node_name_and_variants() -> None:
    assert "TanhBackward0" in ROWS and "TanBackward0" in ROWS
    for name in NAMES:
        x = _input(name, torch.float32)
        out = getattr(x, name)()
        assert type(out.grad_fn).__name__ == getattr(unary, name).node.__name__
        function = getattr(torch, name)
        assert getattr(function, "__wrapped_forward__", function) is getattr(unary, name)  # out= may wrap it
        assert getattr(torch.Tensor, name) is getattr(unary, name)
        copy = x.detach().clone()
        assert getattr(copy, name + "_")() is copy
        assert torch.equal(copy, out.detach())


def test_rows_free_what_they_saved_after_backward() -> None:
    x = _input("exp", torch.float32)
    y = x.exp().sum()
    node = y.grad_fn.next_functions[0][0]
    assert type(node.saved_value) is SavedTensor
    y.backward()
    assert node.saved_value is FREED_SLOT  # the saved tensor is dropped
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_a_zero_gradient_row_saves_nothing_and_can_run_twice() -> None:
    x = _input("floor", torch.float32)
    y = x.floor().sum()
    y.backward()
    y.backward()  # nothing was saved, so nothing was freed (PyTorch's behaviour)
    assert torch.equal(x.grad, torch.zeros_like(x))
