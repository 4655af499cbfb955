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
    (lambda: torch.fft, "torch.fft"),
    (lambda: torch.nn.FractionalMaxPool3d, "torch.nn.FractionalMaxPool3d"),
    (lambda: torch.tensor([1.0]).stft, "Tensor.stft"),
])
def test_missing_names_say_so_and_point_at_the_torch_backend(get, qualname):
    with pytest.raises(AttributeError) as err:
        get()
    message = str(err.value)
    assert f"gradsh does not implement {qualname}" in message
    assert "--backend torch" in message


def test_factory_with_requires_grad_under_no_grad_is_a_leaf_that_requires_grad():
    with torch.no_grad():
        t = torch.zeros(2, requires_grad=True)
        p = torch.nn.Parameter(torch.ones(2))
    assert t.requires_grad and t.is_leaf and p.requires_grad and p.is_leaf
