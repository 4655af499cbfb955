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


# ----- views made stale by an in-place change elsewhere (regenerated lazily, as PyTorch) -----------------

def _names(fn: object) -> list:
    return [None if f is None else type(f).__name__ for f, _ in fn.next_functions]


def test_view_read_after_base_inplace_gets_as_strided_on_the_new_node() -> None:
    x = torch.ones(3, 4, requires_grad=True)
    y = x * 1
    v = y[0]
    assert type(v.grad_fn).__name__ == "SelectBackward0"
    y.mul_(3)
    assert type(v.grad_fn).__name__ == "AsStridedBackward0"
    assert v.grad_fn.next_functions[0][0] is y.grad_fn
    assert v.grad_fn is v.grad_fn  # regenerated once, not on every read
    v.sum().backward()
    assert x.grad.tolist() == [[3.] * 4, [0.] * 4, [0.] * 4]


def test_stale_view_used_in_an_op_without_reading_grad_fn() -> None:
    x = torch.ones(3, 4, requires_grad=True)
    y = x * 1
    v = y[0]
    y.mul_(3)
    z = v * 2
    assert _names(z.grad_fn) == ["AsStridedBackward0", None]
    z.sum().backward()
    assert x.grad[0].tolist() == [6.] * 4


def test_other_view_of_a_base_modified_through_one_view() -> None:
    x = torch.ones(3, 4, requires_grad=True)
    y = x * 1
    v, w = y[0], y[:, 1]
    w.mul_(2)
    assert _names(v.grad_fn) == ["CopySlices"]
    assert v.grad_fn.next_functions[0][0] is y.grad_fn
    v.sum().backward()
    assert x.grad.tolist() == [[1., 2., 1., 1.], [0.] * 4, [0.] * 4]


def test_view_of_a_leaf_modified_under_no_grad_and_view_of_a_view() -> None:
    x = torch.ones(3, requires_grad=True)
    v = x[0:2]
    with torch.no_grad():
        x.mul_(3)
    assert _names(v.grad_fn) == ["AccumulateGrad"]
    assert not v.is_leaf
    y = x * 1
    a = y[0:2]
    b = a[1:]
    y.exp_()
    assert type(b.grad_fn).__name__ == "AsStridedBackward0"
    assert b.grad_fn.next_functions[0][0] is y.grad_fn


def test_view_of_a_base_that_starts_requiring_grad() -> None:
    x = torch.ones(3, requires_grad=True)
    y = torch.zeros(3)
    v = y[0]
    assert v.grad_fn is None and not v.requires_grad
    y.add_(x)
    assert v.requires_grad and not v.is_leaf
    assert type(v.grad_fn).__name__ == "AsStridedBackward0"
    assert "grad_fn=<AsStridedBackward0>" in repr(v)


def test_view_of_a_base_without_grad_is_never_regenerated() -> None:
    y = torch.zeros(3)
    with torch.no_grad():
        v = y[0:2]
    y.add_(1)
    assert v.grad_fn is None and v.is_leaf


MULTI_TAIL = (
    " This view is the output of a function that returns multiple views. Such functions do not allow the output "
    "views to be modified inplace. You should replace the inplace operation by an out-of-place one."
)
NO_GRAD_TAIL = (
    " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving "
    "both the view and the inplace either both inside the no_grad block (if you don't want the inplace to be "
    "tracked) or both outside (if you want the inplace to be tracked)."
)


def test_split_pieces_poisoned_by_a_change_of_their_base() -> None:
    x = torch.ones(4, requires_grad=True)
    y = x * 1
    a, b = y.split(2)
    c = b[0:1]
    y.mul_(2)
    with pytest.raises(RuntimeError) as e:
        _ = a.grad_fn
    assert str(e.value) == (
        "Output 0 of Split is a view and its base or another view of its base has been modified inplace." + MULTI_TAIL)
    with pytest.raises(RuntimeError) as e:
        c * 2
    assert str(e.value) == (
        "Output 0 of Slice is a view and its base or another view of its base has been modified inplace." + MULTI_TAIL)
    assert repr(a).endswith("grad_fn=<Invalid>)")


def test_split_of_a_tensor_without_grad() -> None:
    y = torch.zeros(4)
    a, b = y.split(2)
    a.add_(1)  # nothing requires grad: allowed, and nothing is poisoned
    assert a.grad_fn is None and repr(a) == "tensor([1., 1.])"
    with pytest.raises(RuntimeError) as e:
        a.add_(torch.ones(2, requires_grad=True))
    assert str(e.value) == (
        "A view was created in no_grad mode and is being modified inplace with grad mode enabled." + MULTI_TAIL)
    y.add_(torch.ones(4, requires_grad=True))
    with pytest.raises(RuntimeError) as e:
        _ = b.grad_fn
    assert str(e.value) == ("A view was created in no_grad mode and its base or another view of its base has been "
                            "modified inplace with grad mode enabled." + MULTI_TAIL)
    assert b.requires_grad


def test_no_grad_view_of_a_tensor_without_grad_poisoned_once_the_base_requires_grad() -> None:
    y = torch.zeros(4)
    with torch.no_grad():
        v = y[0:2]
    y.add_(torch.ones(4, requires_grad=True))
    assert v.requires_grad
    with pytest.raises(RuntimeError) as e:
        _ = v.is_leaf
    assert str(e.value) == ("A view was created in no_grad mode and its base or another view of its base has been "
                            "modified inplace with grad mode enabled." + NO_GRAD_TAIL)


def test_view_of_a_no_grad_view_names_itself() -> None:
    x = torch.ones(4, requires_grad=True)
    y = x * 1
    with torch.no_grad():
        v = y[0:3]
    w = v[0:2]
    assert _names(w.grad_fn) == [None]  # the no_grad view has no node and no accumulator
    y.mul_(2)
    with pytest.raises(RuntimeError) as e:
        _ = w.grad_fn
    assert str(e.value) == ("Output 0 of Slice is a view of a view which was created in no_grad mode and its base or "
                            "another view of its base has been modified inplace with grad mode enabled."
                            + NO_GRAD_TAIL)


# ----- CopySlices under create_graph ---------------------------------------------------------------------

def test_second_derivative_through_inplace_on_a_view() -> None:
    x = torch.tensor([[1., 2.], [3., 4.]], dtype=torch.float64, requires_grad=True)
    z = torch.tensor([5., 6.], dtype=torch.float64, requires_grad=True)
    y = x * x
    y[1].mul_(z)  # y[1] = x[1]**2 * z
    gx, gz = torch.autograd.grad(y.sum(), (x, z), create_graph=True)
    assert gx.tolist() == [[2., 4.], [30., 48.]]
    assert gz.tolist() == [9., 16.]
    (gz.sum() + gx.sum()).backward()
    # d/dx (sum 2x[0] + sum 2 x[1] z + sum x[1]**2) and d/dz (sum 2 x[1])
    assert x.grad.tolist() == [[2., 2.], [16., 20.]]
    assert z.grad.tolist() == [6., 8.]


def test_second_derivative_through_item_assignment() -> None:
    x = torch.tensor([1., 2., 3.], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([2., 3.], dtype=torch.float64, requires_grad=True)
    y = x * 1
    y[1:] = w * w
    (gw,) = torch.autograd.grad((y * y).sum(), (w,), create_graph=True)
    assert gw.tolist() == [4 * 8., 4 * 27.]
    gw.sum().backward()
    assert w.grad.tolist() == [12 * 4., 12 * 9.]
    assert x.grad.tolist() == [0., 0., 0.]  # x reaches the graph of gw, with a zero gradient (as PyTorch)


# ----- item assignment ---------------------------------------------------------------------------------------

def test_setitem_mixed_basic_and_advanced_key_writes_like_getitem_reads() -> None:
    x = torch.zeros(2, 3, 5)
    x[0, :, [1, 2, 3]] = torch.arange(9.).reshape(3, 3)
    assert x[0].tolist() == [[0., 0., 1., 2., 0.], [0., 3., 4., 5., 0.], [0., 6., 7., 8., 0.]]
    t = torch.arange(30.).reshape(2, 3, 5)
    y = torch.zeros(2, 3, 5)
    y[0, :, [1, 2, 3]] = t[0, :, [1, 2, 3]]
    assert y[0, :, [1, 2, 3]].tolist() == t[0, :, [1, 2, 3]].tolist()
    z = torch.ones(2, 3, requires_grad=True) * 1
    z[0, [1, 2]] = torch.ones(2, requires_grad=True)
    assert z.grad_fn.name() == "torch::autograd::CopySlices"


def _tree(fn: object) -> str:
    if fn is None:
        return "None"
    return f"{type(fn).__name__}({', '.join(_tree(f) for f, _ in fn.next_functions)})"


@pytest.mark.parametrize(("key", "shape", "tree"), [
    (0, (4,), "CopySlices(MulBackward0(AccumulateGrad(), None), AccumulateGrad())"),
    (0, (1,), "CopySlices(MulBackward0(AccumulateGrad(), None), ExpandBackward0(ViewBackward0(AccumulateGrad())))"),
    (0, (), "CopySlices(MulBackward0(AccumulateGrad(), None), AccumulateGrad())"),
    (0, (1, 4), "CopySlices(MulBackward0(AccumulateGrad(), None), ViewBackward0(AccumulateGrad()))"),
    ((slice(None), 1), (1,),
     "CopySlices(MulBackward0(AccumulateGrad(), None), ExpandBackward0(ViewBackward0(AccumulateGrad())))"),
    (Ellipsis, (4,),
     "CopyBackwards(MulBackward0(AccumulateGrad(), None), ExpandBackward0(ViewBackward0(AccumulateGrad())))"),
    (slice(None), (3, 4), "CopyBackwards(MulBackward0(AccumulateGrad(), None), AccumulateGrad())"),
    (slice(None), (), "FillBackward3(MulBackward0(AccumulateGrad(), None), AccumulateGrad())"),
    ([0, 2], (1, 4), "IndexPutBackward0(MulBackward0(AccumulateGrad(), None), ViewBackward0(AccumulateGrad()))"),
])
def test_setitem_records_value_views_and_expands_as_pytorch(key: object, shape: tuple, tree: str) -> None:
    x = torch.ones(3, 4, requires_grad=True)
    y = x * 1
    y[key] = torch.ones(shape, requires_grad=True)
    assert _tree(y.grad_fn) == tree


def test_setitem_values_and_errors() -> None:
    x = torch.ones(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being used in an in-place"):
        x[...] = 1.0
    y = torch.zeros(3, 4)
    with pytest.raises(TypeError) as e:
        y[0] = [1., 2., 3., 4.]
    assert str(e.value) == "can't assign a list to a torch.FloatTensor"
    with pytest.raises(TypeError) as e:
        y[0] = np.ones(4)
    assert str(e.value) == "can't assign a numpy.ndarray to a torch.FloatTensor"
    with pytest.raises(RuntimeError) as e:
        y[[0, 1]] = torch.ones(3, 4)
    assert str(e.value) == ("shape mismatch: value tensor of shape [3, 4] cannot be broadcast to indexing result of "
                            "shape [2, 4]")
    i = torch.zeros(2, dtype=torch.int64)
    i[0] = 2.7
    assert i.tolist() == [2, 0]


# ----- matrix products do not promote ----------------------------------------------------------------------

@pytest.mark.parametrize(("fn", "message"), [
    (lambda f, d: torch.mm(f, d.t()), "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda f, d: d.t() @ f, "expected m1 and m2 to have the same dtype, but got: double != float"),
    (lambda f, d: torch.mm(f, torch.ones(3, 2, dtype=torch.int64)),
     "expected m1 and m2 to have the same dtype, but got: float != long int"),
    (lambda f, d: f[0] @ d[0], "dot : expected both vectors to have same dtype, but found Float and Double"),
    (lambda f, d: torch.dot(f[0], d[0]), "dot : expected both vectors to have same dtype, but found Float and Double"),
    (lambda f, d: f @ d[0], "addmv input tensors must have the same dtype, but got Double, Float, and Double"),
    (lambda f, d: torch.mv(d, f[0]),
     "addmv input tensors must have the same dtype, but got Float, Double, and Float"),
    (lambda f, d: f[0] @ d.t(), "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda f, d: f.expand(2, 2, 3) @ d.t().expand(2, 3, 2), "expected scalar type Float but found Double"),
    (lambda f, d: torch.bmm(f.expand(2, 2, 3), d.t().expand(2, 3, 2)),
     "expected scalar type Float but found Double"),
    (lambda f, d: f.expand(2, 2, 3) @ d.t(), "expected scalar type Float but found Double"),
    (lambda f, d: f.reshape(1, 2, 3) @ d.t(), "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda f, d: torch.addmm(torch.ones(2, 2), f, d.t()),
     "self and mat2 must have the same dtype, but got Float and Double"),
    (lambda f, d: torch.addmm(torch.ones(2, 2), d, f.t()),
     "mat1 and mat2 must have the same dtype, but got Double and Float"),
    (lambda f, d: torch.nn.functional.linear(f, torch.ones(2, 3), torch.ones(2, dtype=torch.float64)),
     "self and mat2 must have the same dtype, but got Double and Float"),
    (lambda f, d: torch.nn.functional.linear(f, d),
     "expected m1 and m2 to have the same dtype, but got: float != double"),
])
def test_matrix_products_refuse_mixed_dtypes(fn: object, message: str) -> None:
    f = torch.ones(2, 3)
    d = torch.ones(2, 3, dtype=torch.float64)
    with pytest.raises(RuntimeError) as e:
        fn(f, d)
    assert str(e.value) == message
