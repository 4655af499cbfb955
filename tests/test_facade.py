"""The torch facade: module tree, PyTorch's names, and the message for what gradsh lacks."""

from __future__ import annotations

import importlib

import pytest

from gradsh import torch


@pytest.mark.parametrize("name", [
    "gradsh.torch.nn", "gradsh.torch.nn.functional", "gradsh.torch.nn.init", "gradsh.torch.optim",
    "gradsh.torch.autograd", "gradsh.torch.autograd.grad_mode", "gradsh.torch.autograd.functional",
])
def test_submodules_are_real_modules(name):
    assert importlib.import_module(name).__name__ == name


def test_grad_mode_aliases_are_the_same_objects():
    assert torch.autograd.no_grad is torch.no_grad
    assert torch.autograd.set_grad_enabled is torch.set_grad_enabled
    assert torch.autograd.grad_mode.inference_mode is torch.inference_mode


def test_dtypes_print_as_pytorch_and_infer_defaults():
    assert repr(torch.float32) == "torch.float32" and torch.float is torch.float32 and torch.long is torch.int64
    assert torch.tensor(1.5).dtype is torch.float32
    assert torch.tensor(3).dtype is torch.int64
    assert torch.tensor(True).dtype is torch.bool


@pytest.mark.parametrize("get, qualname", [
    (lambda: torch.jit, "torch.jit"),
    (lambda: torch.nn.DataParallel, "torch.nn.DataParallel"),
    (lambda: torch.tensor([1.0]).to_sparse, "torch.Tensor.to_sparse"),
])
def test_missing_names_say_so_and_point_at_the_torch_backend(get, qualname):
    with pytest.raises(AttributeError) as err:
        get()
    message = str(err.value)
    assert message == f"gradsh does not implement {qualname}; run the transcript with --backend torch to use real PyTorch"


@pytest.mark.parametrize("get, message", [
    (lambda: torch.onse, "module 'torch' has no attribute 'onse'"),
    (lambda: torch.tensor([1.0]).gard, "'Tensor' object has no attribute 'gard'"),
])
def test_names_pytorch_lacks_too_get_pythons_own_error(get, message):
    # tests/test_unknown_names.py has the full rule, on gradsh and on real torch
    with pytest.raises(AttributeError, match=f"^{message}$"):
        get()


def test_factory_with_requires_grad_under_no_grad_is_a_leaf_that_requires_grad():
    with torch.no_grad():
        t = torch.zeros(2, requires_grad=True)
        p = torch.nn.Parameter(torch.ones(2))
    assert t.requires_grad and t.is_leaf and p.requires_grad and p.is_leaf
