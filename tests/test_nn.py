"""torch.nn on gradsh: Module bookkeeping, layers, losses, init, reprs; parity with real PyTorch when installed."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

from gradsh import torch
from gradsh.torch import nn
from gradsh.torch.nn import functional as F

# ----- exact values after manual_seed (recorded on PyTorch 2.13) --------------------------------------------


def test_linear_default_init_is_pytorchs() -> None:
    torch.manual_seed(0)
    lin = nn.Linear(3, 2)
    assert lin.weight.tolist() == [[-0.004322517663240433, 0.3097158372402191, -0.4751853346824646],
                                   [-0.4248946011066437, -0.2223689705133438, 0.15482072532176971]]
    assert lin.bias.tolist() == [-0.011439144611358643, 0.45777493715286255]
    assert type(lin.weight) is nn.Parameter and lin.weight.requires_grad and lin.weight.is_leaf


def test_init_functions_match_pytorch() -> None:
    torch.manual_seed(0)
    w = torch.empty(3, 4)
    nn.init.xavier_uniform_(w)
    assert w[0].tolist() == [-0.006931448820978403, 0.4966502785682678, -0.7619917392730713, -0.681347131729126]
    torch.manual_seed(0)
    nn.init.kaiming_uniform_(w)
    assert w[0].tolist() == [-0.009169445373117924, 0.657006561756134, -1.0080204010009766, -0.9013375639915466]
    torch.manual_seed(0)
    nn.init.normal_(w, 0, 0.1)
    assert w[0].tolist() == [0.15409961342811584, -0.0293428897857666, -0.21787893772125244, 0.05684312805533409]


def test_init_runs_under_no_grad_on_parameters() -> None:
    p = nn.Parameter(torch.ones(2, 3))
    for fn in (nn.init.zeros_, nn.init.ones_, lambda t: nn.init.constant_(t, 0.5), nn.init.xavier_uniform_,
               lambda t: nn.init.uniform_(t, -1, 1)):
        assert fn(p) is p
        assert p.is_leaf and p.grad_fn is None and p.requires_grad
    nn.init.constant_(p, 0.5)
    assert p.tolist() == [[0.5] * 3] * 2
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(torch.ones(3))
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(2.0 / 6)


def test_dropout_train_and_eval() -> None:
    torch.manual_seed(0)
    d = nn.Dropout(0.5)
    assert d(torch.ones(8)).tolist() == [0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 2.0, 2.0]
    x = torch.ones(4)
    assert d.eval()(x) is x
    assert repr(d) == "Dropout(p=0.5, inplace=False)"


# ----- graph structure ----------------------------------------------------------------------------------------


def _names(fn: Any) -> list:
    return [None if f is None else type(f).__name__ for f, _ in fn.next_functions]


def test_linear_records_addmm_with_bias_input_weight_t() -> None:
    lin = nn.Linear(2, 3)
    x = torch.ones(4, 2, requires_grad=True)
    out = lin(x)
    assert out.grad_fn.name() == "AddmmBackward0"
    assert _names(out.grad_fn) == ["AccumulateGrad", "AccumulateGrad", "TBackward0"]
    assert out.grad_fn.next_functions[0][0].variable is lin.bias
    no_bias = nn.Linear(2, 1, bias=False)
    assert no_bias.bias is None
    y = no_bias(x)
    assert y.grad_fn.name() == "MmBackward0" and _names(y.grad_fn) == ["AccumulateGrad", "TBackward0"]
    assert lin(torch.ones(2)).grad_fn.name() == "ViewBackward0"
    assert lin(torch.ones(5, 4, 2)).shape == torch.Size([5, 4, 3])


@pytest.mark.parametrize(("make", "name"), [
    (lambda x, t: F.mse_loss(x, t), "MseLossBackward0"),
    (lambda x, t: F.l1_loss(x, t), "MeanBackward0"),
    (lambda x, t: F.cross_entropy(x, torch.tensor([0, 2])), "NllLossBackward0"),
    (lambda x, t: F.nll_loss(x.log_softmax(1), torch.tensor([0, 2])), "NllLossBackward0"),
    (lambda x, t: F.binary_cross_entropy(x.sigmoid(), t.sigmoid()), "BinaryCrossEntropyBackward0"),
    (lambda x, t: F.binary_cross_entropy_with_logits(x, t.sigmoid()), "BinaryCrossEntropyWithLogitsBackward0"),
    (lambda x, t: F.smooth_l1_loss(x, t), "SmoothL1LossBackward0"),
    (lambda x, t: F.huber_loss(x, t), "HuberLossBackward0"),
    (lambda x, t: F.gelu(x), "GeluBackward0"),
    (lambda x, t: F.silu(x), "SiluBackward0"),
    (lambda x, t: F.softplus(x), "SoftplusBackward0"),
    (lambda x, t: F.leaky_relu(x), "LeakyReluBackward0"),
    (lambda x, t: F.elu(x), "EluBackward0"),
    (lambda x, t: F.relu6(x), "HardtanhBackward0"),
    (lambda x, t: F.relu(x), "ReluBackward0"),
    (lambda x, t: F.softmax(x, 1), "SoftmaxBackward0"),
    (lambda x, t: F.log_softmax(x, 1), "LogSoftmaxBackward0"),
])
def test_functional_node_names(make: Any, name: str) -> None:
    x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], requires_grad=True)
    t = torch.tensor([[0.0, 1.0, 0.5], [1.0, -1.0, 0.0]])
    assert make(x, t).grad_fn.name() == name


def test_cross_entropy_nodes_and_value() -> None:
    x = torch.tensor([[1., 2., 3.], [0.5, -1., 2.]], requires_grad=True)
    loss = F.cross_entropy(x, torch.tensor([2, 0]))
    assert loss.item() == 1.0744585990905762
    assert _names(loss.grad_fn) == ["LogSoftmaxBackward0"]
    loss.backward()
    assert np.allclose(x.grad.numpy().sum(1), 0, atol=1e-6)


# ----- Module bookkeeping -----------------------------------------------------------------------------------


class TwoLayer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("running", torch.zeros(2))
        self.fc1 = nn.Linear(2, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 1)

    def forward(self, x: Any) -> Any:
        return self.fc2(self.act(self.fc1(x)))


def test_registration_and_traversal() -> None:
    m = TwoLayer()
    assert [n for n, _ in m.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert list(m.state_dict()) == ["running", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert m.state_dict()["fc1.weight"].requires_grad is False
    assert len(list(m.buffers())) == 1
    with pytest.raises(AttributeError, match="'TwoLayer' object has no attribute 'nope'"):
        _ = m.nope
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' as parameter 'weight' \(torch.nn."):
        m.fc1.weight = torch.zeros(3, 2)
    shared = nn.Sequential(m.fc1, m.fc1)
    assert len(list(shared.parameters())) == 2


def test_repr_matches_pytorch() -> None:
    assert repr(TwoLayer()) == (
        "TwoLayer(\n"
        "  (fc1): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (act): ReLU()\n"
        "  (fc2): Linear(in_features=3, out_features=1, bias=True)\n"
        ")")
    seq = nn.Sequential(nn.Linear(3, 2), nn.Sequential(nn.Tanh(), nn.Dropout(0.2)))
    assert repr(seq) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=2, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): Tanh()\n"
        "    (1): Dropout(p=0.2, inplace=False)\n"
        "  )\n"
        ")")
    assert repr(nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])) == (
        "ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n  (3): ReLU()\n)")
    reprs = [repr(m) for m in (nn.LeakyReLU(), nn.ELU(inplace=True), nn.GELU(), nn.Softmax(dim=1), nn.Softplus(),
                               nn.SiLU(), nn.Flatten(), nn.Identity(), nn.MSELoss(reduction="sum"), nn.ReLU6(),
                               nn.Hardtanh(), nn.Sequential())]
    assert reprs == ["LeakyReLU(negative_slope=0.01)", "ELU(alpha=1.0, inplace=True)", "GELU(approximate='none')",
                     "Softmax(dim=1)", "Softplus(beta=1.0, threshold=20.0)", "SiLU()",
                     "Flatten(start_dim=1, end_dim=-1)", "Identity()", "MSELoss()", "ReLU6()",
                     "Hardtanh(min_val=-1.0, max_val=1.0)", "Sequential()"]


def test_train_eval_requires_grad_zero_grad() -> None:
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    assert net.eval() is net and not net[0].training
    assert net.train().training and net[2].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train(1)  # type: ignore[arg-type]
    net[0].requires_grad_(False)
    assert [p.requires_grad for p in net.parameters()] == [False, False, True, True]
    net(torch.ones(3, 2)).sum().backward()
    assert net[0].weight.grad is None and net[2].weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert net[2].weight.grad.tolist() == [[0.0, 0.0]]
    net.zero_grad()
    assert net[2].weight.grad is None
    assert net[1:].__class__ is nn.Sequential and len(net[1:]) == 2


def test_load_state_dict_and_messages() -> None:
    a, b = nn.Linear(2, 1), nn.Linear(2, 1)
    assert repr(b.load_state_dict(a.state_dict())) == "<All keys matched successfully>"
    assert b.weight.tolist() == a.weight.tolist() and b.weight.is_leaf
    with pytest.raises(RuntimeError) as e:
        b.load_state_dict({"weight": torch.zeros(1, 2)})
    assert str(e.value) == 'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '
    with pytest.raises(RuntimeError) as e:
        b.load_state_dict({"weight": torch.zeros(1, 3), "bias": torch.zeros(1), "x": torch.zeros(1)})
    assert str(e.value) == (
        'Error(s) in loading state_dict for Linear:\n\tUnexpected key(s) in state_dict: "x". \n\tsize mismatch for '
        "weight: copying a param with shape torch.Size([1, 3]) from checkpoint, the shape in current model is "
        "torch.Size([1, 2]).")
    res = b.load_state_dict({"weight": torch.zeros(1, 2)}, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == []


def test_forward_hooks() -> None:
    lin = nn.Linear(2, 2)
    seen = []
    h = lin.register_forward_hook(lambda m, inp, out: seen.append((m, inp[0].shape, out.shape)))
    pre = lin.register_forward_pre_hook(lambda m, inp: (inp[0] * 0,))
    out = lin(torch.ones(3, 2))
    assert seen == [(lin, torch.Size([3, 2]), torch.Size([3, 2]))]
    assert out.tolist() == [lin.bias.tolist()] * 3
    h.remove()
    pre.remove()
    lin(torch.ones(1, 2))
    assert len(seen) == 1


def test_module_dtype_conversion_keeps_parameters() -> None:
    lin = nn.Linear(2, 1)
    w = lin.weight
    lin.double()
    assert lin.weight is w and w.dtype == torch.float64 and w.is_leaf


def test_modules_built_under_no_grad_and_inference_mode() -> None:
    with torch.no_grad():
        lin = nn.Linear(2, 1)
    assert lin.weight.requires_grad and lin.weight.is_leaf
    with torch.inference_mode():
        lin2 = nn.Linear(2, 1)
    assert lin2.weight.is_inference() and lin2.weight.requires_grad


def test_softmax_implicit_dim_warns() -> None:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        nn.Softmax()(torch.ones(2, 3))
    assert "Implicit dimension choice for softmax has been deprecated" in str(w[0].message)


def test_loss_modules_and_size_warning() -> None:
    x = torch.tensor([[0.2, 0.7], [0.9, 0.4]], requires_grad=True)
    t = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    assert nn.BCELoss()(x, t).item() == pytest.approx(F.binary_cross_entropy(x, t).item())
    assert nn.L1Loss(reduction="sum")(x, t).item() == pytest.approx(1.0)
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(torch.ones(3, 1), torch.ones(3))


# ----- parity with real PyTorch -------------------------------------------------------------------------------

PARITY_MODULES = [
    ("Linear", lambda T: T.nn.Linear(4, 3)),
    ("LinearNoBias", lambda T: T.nn.Linear(4, 3, bias=False)),
    ("MLP", lambda T: T.nn.Sequential(T.nn.Linear(4, 5), T.nn.ReLU(), T.nn.Linear(5, 3), T.nn.Tanh())),
    ("Sigmoid", lambda T: T.nn.Sequential(T.nn.Linear(4, 3), T.nn.Sigmoid())),
    ("GELU", lambda T: T.nn.Sequential(T.nn.Linear(4, 3), T.nn.GELU())),
    ("SiLU", lambda T: T.nn.Sequential(T.nn.Linear(4, 3), T.nn.SiLU())),
    ("LeakyReLU", lambda T: T.nn.Sequential(T.nn.Linear(4, 3), T.nn.LeakyReLU(0.2))),
    ("ELU", lambda T: T.nn.Sequential(T.nn.Linear(4, 3), T.nn.ELU())),
    ("Softplus", lambda T: T.nn.Sequential(T.nn.Linear(4, 3), T.nn.Softplus())),
    ("Dropout", lambda T: T.nn.Sequential(T.nn.Linear(4, 3), T.nn.Dropout(0.3))),
    ("LogSoftmax", lambda T: T.nn.Sequential(T.nn.Linear(4, 3), T.nn.LogSoftmax(dim=1))),
]

PARITY_LOSSES = [
    ("MSELoss", lambda T: T.nn.MSELoss(), "float"),
    ("L1Loss", lambda T: T.nn.L1Loss(), "float"),
    ("SmoothL1Loss", lambda T: T.nn.SmoothL1Loss(), "float"),
    ("HuberLoss", lambda T: T.nn.HuberLoss(delta=0.5), "float"),
    ("CrossEntropyLoss", lambda T: T.nn.CrossEntropyLoss(), "class"),
    ("CrossEntropyWeighted", lambda T: T.nn.CrossEntropyLoss(weight=T.tensor([1.0, 2.0, 0.5])), "class"),
    ("CrossEntropySmoothing", lambda T: T.nn.CrossEntropyLoss(label_smoothing=0.1), "class"),
    ("CrossEntropyProbs", lambda T: T.nn.CrossEntropyLoss(), "probs"),
    ("NLLLoss", lambda T: T.nn.NLLLoss(reduction="sum"), "class"),
    ("BCELoss", lambda T: T.nn.BCELoss(), "prob"),
    ("BCEWithLogitsLoss", lambda T: T.nn.BCEWithLogitsLoss(), "prob"),
    ("BCEWithLogitsPosWeight", lambda T: T.nn.BCEWithLogitsLoss(pos_weight=T.tensor([1.0, 2.0, 3.0])), "prob"),
]


def _real_torch() -> Any:
    real = pytest.importorskip("torch")
    if not hasattr(real, "_C"):
        pytest.skip("`import torch` does not give real PyTorch")
    return real


def _forward_backward(T: Any, make: Any, loss_make: Any = None, kind: str = "float") -> tuple:
    T.manual_seed(0)
    model = make(T)
    rng = np.random.default_rng(3)
    x = T.tensor(rng.normal(size=(6, 4)).astype(np.float32), requires_grad=True)
    out = model(x)
    if loss_make is None:
        out.backward(T.tensor(rng.uniform(-1, 1, tuple(out.shape)).astype(np.float32)))
        value = out
    else:
        if kind == "class":
            target = T.tensor(rng.integers(0, 3, 6))
        elif kind == "probs":
            target = T.tensor(rng.dirichlet([1.0, 1.0, 1.0], 6).astype(np.float32))
        else:
            target = T.tensor(rng.uniform(0, 1, (6, 3)).astype(np.float32))
        if kind == "prob" and "BCELoss" == type(loss_make(T)).__name__:
            out = out.sigmoid()
        value = loss_make(T)(out, target)
        value.backward()
    grads = [p.grad.numpy() for p in model.parameters()]
    return value.detach().numpy(), grads, x.grad.numpy(), type(value.grad_fn).__name__


@pytest.mark.parity
@pytest.mark.parametrize(("name", "make"), PARITY_MODULES, ids=[n for n, _ in PARITY_MODULES])
def test_module_parity(name: str, make: Any) -> None:
    real = _real_torch()
    ours, theirs = _forward_backward(torch, make), _forward_backward(real, make)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5, atol=1e-6)
    assert ours[3] == theirs[3]


@pytest.mark.parity
@pytest.mark.parametrize(("name", "loss", "kind"), PARITY_LOSSES, ids=[n for n, _, _ in PARITY_LOSSES])
def test_loss_parity(name: str, loss: Any, kind: str) -> None:
    real = _real_torch()

    def make(T: Any) -> Any:
        return T.nn.Linear(4, 3)

    ours, theirs = _forward_backward(torch, make, loss, kind), _forward_backward(real, make, loss, kind)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5, atol=1e-6)
    assert ours[3] == theirs[3]
