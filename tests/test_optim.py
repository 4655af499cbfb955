"""torch.optim on gradsh: SGD/Adam updates, zero_grad, param_groups, reprs; parity with real PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradsh import torch
from gradsh.torch import nn


def _linear_problem() -> tuple:
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    X = torch.tensor([[1., 2.], [2., 1.], [3., 0.]])
    Y = torch.tensor([[1.], [2.], [3.]])
    return model, X, Y


def test_sgd_training_loop_matches_transcript_27() -> None:
    model, X, Y = _linear_problem()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = nn.MSELoss()(model(X), Y)
        loss.backward()
        losses.append(round(loss.item(), 4))
        opt.step()
    assert losses == [6.1766, 0.6121, 0.2008]
    assert repr(model.weight) == "Parameter containing:\ntensor([[0.9824, 0.3726]], requires_grad=True)"
    assert model.weight.is_leaf and model.weight.grad_fn is None
    assert model.weight._version == 4  # 1 from the initialisation, then one per step


def test_step_skips_none_grads_and_records_nothing() -> None:
    model, X, _ = _linear_problem()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    before = model.weight.detach().clone()
    opt.step()
    assert torch.equal(before, model.weight) and model.weight._version == 1
    model(X).sum().backward()
    opt.step()
    assert model.weight.grad_fn is None and model.weight.requires_grad


def test_zero_grad_modes() -> None:
    model, X, Y = _linear_problem()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert model.weight.grad is None
    nn.MSELoss()(model(X), Y).backward()
    g = model.weight.grad
    opt.zero_grad(set_to_none=False)
    assert model.weight.grad is g and g.tolist() == [[0.0, 0.0]]
    opt.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None


def test_param_groups_state_dict_and_repr() -> None:
    p = nn.Parameter(torch.ones(2))
    q = nn.Parameter(torch.ones(1))
    opt = torch.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["params"] == [p] and opt.param_groups[1]["lr"] == 0.5
    assert list(opt.param_groups[0]) == ["params", "lr", "momentum", "dampening", "weight_decay", "nesterov",
                                         "maximize", "foreach", "differentiable", "fused"]
    p.grad = torch.ones(2)
    opt.step()
    assert opt.state[p]["momentum_buffer"].tolist() == [1.0, 1.0]
    sd = opt.state_dict()
    assert list(sd["state"]) == [0] and sd["param_groups"][1]["params"] == [1]
    assert repr(torch.optim.SGD([p], lr=0.1)) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n    fused: None\n"
        "    lr: 0.1\n    maximize: False\n    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)")
    assert list(torch.optim.Adam([p]).param_groups[0]) == [
        "params", "lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable",
        "differentiable", "fused", "decoupled_weight_decay"]


def test_errors() -> None:
    p = nn.Parameter(torch.ones(2))
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got torch.FloatTensor"):
        torch.optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        torch.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        torch.optim.SGD([p], lr=-0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        torch.optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.0"):
        torch.optim.Adam([p], betas=(0.9, 1.0))


def test_adam_state() -> None:
    p = nn.Parameter(torch.tensor([1.0, -1.0]))
    opt = torch.optim.Adam([p], lr=0.1)
    p.grad = torch.tensor([0.5, -0.5])
    opt.step()
    state = opt.state[p]
    assert list(state) == ["step", "exp_avg", "exp_avg_sq"]
    assert repr(state["step"]) == "tensor(1.)"
    # the first Adam step moves each coordinate by lr against the gradient's sign
    assert np.allclose(p.detach().numpy(), [0.9, -0.9], atol=1e-6)


# ----- parity with real PyTorch -------------------------------------------------------------------------------

OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "dampening": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "betas": (0.4, 0.9)}),
    ("AdamW", {"lr": 0.01}),
]


def _real_torch() -> Any:
    real = pytest.importorskip("torch")
    if not hasattr(real, "_C"):
        pytest.skip("`import torch` does not give real PyTorch")
    return real


def _steps_on_fixed_grads(T: Any, name: str, kw: dict) -> np.ndarray:
    rng = np.random.default_rng(0)
    start = rng.normal(size=(37,)).astype(np.float32)
    grads = [rng.normal(size=(37,)).astype(np.float32) for _ in range(5)]
    p = T.nn.Parameter(T.tensor(start))
    opt = getattr(T.optim, name)([p], **kw)
    for g in grads:
        p.grad = T.tensor(g)
        opt.step()
    return p.detach().numpy().copy()


def _train(T: Any, name: str, kw: dict) -> tuple:
    T.manual_seed(0)
    net = T.nn.Sequential(T.nn.Linear(5, 8), T.nn.Tanh(), T.nn.Linear(8, 3))
    X = T.tensor(np.random.default_rng(0).normal(size=(20, 5)).astype(np.float32))
    y = T.tensor(np.random.default_rng(1).integers(0, 3, 20))
    opt = getattr(T.optim, name)(net.parameters(), **kw)
    for _ in range(10):
        opt.zero_grad()
        loss = T.nn.functional.cross_entropy(net(X), y)
        loss.backward()
        opt.step()
    return [p.detach().numpy().copy() for p in net.parameters()], loss.item()


@pytest.mark.parity
@pytest.mark.parametrize(("name", "kw"), OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_optimizer_step_parity(name: str, kw: dict) -> None:
    real = _real_torch()
    ours, theirs = _steps_on_fixed_grads(torch, name, kw), _steps_on_fixed_grads(real, name, kw)
    if name == "SGD":  # the same fused multiply-adds: bit for bit
        np.testing.assert_array_equal(ours, theirs)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


@pytest.mark.parity
@pytest.mark.parametrize(("name", "kw"), OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_training_parity(name: str, kw: dict) -> None:
    real = _real_torch()
    (ours, loss_ours), (theirs, loss_theirs) = _train(torch, name, kw), _train(real, name, kw)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert loss_ours == pytest.approx(loss_theirs, rel=1e-5)
