"""Focused engine semantics, one behaviour per test; expected values and texts come from PyTorch 2.13."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradsh import torch

SAVED_VERSION_MSG = (
    "one of the variables needed for gradient computation has been modified by an inplace operation: "
    "[torch.FloatTensor [3]], which is output 0 of torch::autograd::CopySlices, is at version 1; expected version 0 "
    "instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
    "torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
INFERENCE_INPLACE_MSG = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a normal "
    "tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more details."
)


def leaf(*values: float) -> torch.Tensor:
    return torch.tensor(list(values), requires_grad=True)


# ----- version counters and saved tensors -------------------------------------------------------

def test_item_assignment_bumps_version_and_records_copyslices() -> None:
    c = leaf(1., 2., 3.).clone()
    c[0] = 10.
    assert c._version == 1
    assert c.grad_fn.name() == "torch::autograd::CopySlices"


def test_modified_saved_tensor_reports_version_and_producer() -> None:
    c = leaf(1., 2., 3.).clone()
    cc = c * c
    c[0] = 10.
    with pytest.raises(RuntimeError) as err:
        cc.sum().backward()
    assert str(err.value) == SAVED_VERSION_MSG


def test_inference_tensor_inplace_outside_mode_writes_then_raises() -> None:
    with torch.inference_mode():
        inf = torch.tensor([3., 4.])
    with pytest.raises(RuntimeError) as err:
        inf.add_(1)
    assert str(err.value) == INFERENCE_INPLACE_MSG
    assert inf.tolist() == [4., 5.]  # PyTorch has already written when it refuses


def test_detach_of_inference_tensor_has_its_own_version_counter() -> None:
    with torch.inference_mode():
        inf = torch.tensor([3., 4.])
        inf.add_(1)
    d = inf.detach()
    assert d.is_inference() and d._version == 0
    d.add_(1)
    assert d._version == 1 and inf.tolist() == [5., 6.]
    with torch.inference_mode():
        inf.add_(1)  # the inference tensor has no counter to share with d
    assert d._version == 1
    assert d.detach()._version == 0
    with pytest.raises(RuntimeError, match="Inference tensors do not track version counter."):
        _ = d.view(2)._version


# ----- in-place through views -----------------------------------------------------------------

def test_copyslices_gradient_through_a_view() -> None:
    x = leaf(1., 2.)
    b = x * 1
    v = b[1:]
    v.mul_(3)
    assert v.grad_fn.name() == "AsStridedBackward0"
    assert b.grad_fn.name() == "torch::autograd::CopySlices"
    (b * b).sum().backward()
    assert x.grad.tolist() == [2., 36.]


def test_poisoned_multi_output_view_refuses_use_in_an_op() -> None:
    base = leaf(1., 2., 3., 4.).view(2, 2) * 1
    u0, _ = base.unbind()
    with torch.no_grad():
        u0.mul_(2)
    msg = ("Output 0 of Unbind is a view and its base or another view of its base has been modified inplace. This "
           "view is the output of a function that returns multiple views. Such functions do not allow the output "
           "views to be modified inplace. You should replace the inplace operation by an out-of-place one.")
    with pytest.raises(RuntimeError) as as_input:
        u0 * 2
    with pytest.raises(RuntimeError) as as_attribute:
        _ = u0.grad_fn
    assert str(as_input.value) == str(as_attribute.value) == msg


# ----- retain_grad and hooks -----------------------------------------------------------------

def test_retain_grad_follows_inplace_change() -> None:
    x = leaf(1., 2.)
    y = x * 2
    y.retain_grad()
    y.add_(1)
    (y * y).sum().backward()
    assert y.grad.tolist() == [6., 10.]
    assert x.grad.tolist() == [12., 20.]


def test_retain_grad_on_view_modified_in_place() -> None:
    x = leaf(1., 2.)
    v = (x * 1)[1:]
    v.retain_grad()
    v.mul_(3)
    (v * v).sum().backward()
    assert v.grad.tolist() == [12.]
    assert x.grad.tolist() == [0., 36.]


def test_tensor_hook_registered_before_inplace_sees_old_value_gradient() -> None:
    x = leaf(1., 2.)
    y = x * 2
    seen = []
    y.register_hook(seen.append)
    y.add_(1)
    (y * y).sum().backward()
    assert [g.tolist() for g in seen] == [[6., 10.]]


def test_hook_changing_size_is_refused() -> None:
    y = leaf(1., 2.) * 2

    def grow(g: torch.Tensor) -> torch.Tensor:
        return torch.ones(3)

    y.register_hook(grow)
    with pytest.raises(RuntimeError, match="^hook 'grow' has changed the size of value$"):
        y.sum().backward()


def test_hook_changing_type_is_refused() -> None:
    y = leaf(1., 2.) * 2

    def totype(g: torch.Tensor) -> torch.Tensor:
        return g.double()

    y.register_hook(totype)
    with pytest.raises(RuntimeError) as err:
        y.sum().backward()
    assert str(err.value) == "hook 'totype' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)"


# ----- backward arguments --------------------------------------------------------------------

@pytest.mark.parametrize(("gradient", "kind"), [([1., 1.], "float"), ("ones", "str")])
def test_backward_with_non_tensor_gradient_names_its_first_element(gradient: object, kind: str) -> None:
    z = leaf(1., 2.) * 3
    with pytest.raises(TypeError) as err:
        z.backward(gradient)
    assert str(err.value) == f"gradients can be either Tensors or None, but got {kind}"


def test_backward_gradient_count_mismatch() -> None:
    x = leaf(1., 2.)
    z = x * 3
    with pytest.raises(RuntimeError, match="^got 1 tensors and 0 gradients$"):
        z.backward([])
    with pytest.raises(RuntimeError, match="^got 2 tensors and 1 gradients$"):
        torch.autograd.backward([z, z * 2], [torch.ones(2)])
    z.backward((torch.ones(2), torch.ones(2)))  # extra gradients are ignored, as zip does in PyTorch
    assert x.grad.tolist() == [3., 3.]


def test_numpy_allowed_under_no_grad_only() -> None:
    x = leaf(1., 2.)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        x.numpy()
    with torch.no_grad():
        assert x.numpy().tolist() == [1., 2.]
        assert np.asarray(x * 2).tolist() == [2., 4.]


# ----- explicit overloads and reductions -----------------------------------------------------

def test_aten_scalar_overloads_record_one_edge_nodes() -> None:
    x = leaf(1., 2.)
    a = torch.ops.aten.add.Scalar(x, 1)
    m = torch.ops.aten.mul.Scalar(x, 2)
    assert (a.grad_fn.name(), m.grad_fn.name()) == ("AddBackward1", "MulBackward1")
    assert len(a.grad_fn.next_functions) == 1
    assert torch.ops.aten.add(x, 1).grad_fn.name() == "AddBackward0"
    (a + m).sum().backward()
    assert x.grad.tolist() == [3., 3.]
    assert str(torch.ops.aten.add.Scalar) == "aten.add.Scalar"


def test_amax_shares_gradient_among_ties() -> None:
    m = torch.tensor([[1., 3.], [3., 3.]], requires_grad=True)
    out = m.amax(dim=1)
    assert out.grad_fn.name() == "AmaxBackward0"
    out.sum().backward()
    assert m.grad.tolist() == [[0., 1.], [0.5, 0.5]]


def test_prod_gradient_with_one_zero() -> None:
    x = torch.tensor([[1., -2., 3.], [0., 4., 4.]], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [[0., 0., 0.], [-96., 0., 0.]]
    assert np.signbit(x.grad.numpy()).tolist() == [[True, False, True], [True, True, True]]


def test_norm_std_var_mse_names_and_values() -> None:
    x = torch.tensor([[1., -2., 3.], [0., 4., 4.]], requires_grad=True)
    names = [t.grad_fn.name() for t in (x.norm(), x.std(), x.var(), torch.nn.functional.mse_loss(x, x * 0))]
    assert names == ["LinalgVectorNormBackward0", "StdBackward0", "VarBackward0", "MseLossBackward0"]
    assert torch.tensor([5.]).norm(p=3).item() == 5.0  # accumulated in double, as PyTorch
    assert repr(x.var(dim=1)) == "tensor([6.3333, 5.3333], grad_fn=<VarBackward0>)"
    x.std().backward()
    assert repr(x.grad) == "tensor([[-0.0550, -0.3028,  0.1101],\n        [-0.1376,  0.1927,  0.1927]])"


def test_std_without_degrees_of_freedom_warns_and_is_nan() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = torch.tensor([1.]).std()
    assert np.isnan(value.item())
    assert str(caught[0].message).startswith("std(): degrees of freedom is <= 0.")


def test_float32_exp_rounds_like_pytorch() -> None:
    x = leaf(1., 2., 3.)
    (x * 2).exp().sum().backward()
    # PyTorch's exp(6.) is 403.428802..., one ulp above numpy's float32 kernel
    assert x.grad.numpy().view(np.uint32)[2] == 1145681635
