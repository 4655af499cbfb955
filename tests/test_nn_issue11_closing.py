"""The last of issue 11's torch.nn: aten norm kernels, rrelu, lazy convolutions, linear_cross_entropy,
grid_sample, fractional max pooling, CTC loss, EmbeddingBag, nn.utils.rnn with packed RNNs, oneDNN's LSTM node.

Gradients are checked against finite differences in float64 (no torch needed); the parity snippets run on
real PyTorch and on gradsh and must print the same transcript (values, node names, errors, warnings).
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch
from gradsh.testing import gradcheck

torch_real = real_torch()
parity = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]
F = gtorch.nn.functional


def _leaf(*shape: int, seed: int = 0, scale: float = 1.0) -> gtorch.Tensor:
    gtorch.manual_seed(seed)
    return (gtorch.randn(*shape, dtype=gtorch.float64) * scale).requires_grad_()


# ----- gradients against finite differences -----------------------------------------------------------------

@pytest.mark.parametrize(("mode", "padding"), [("bilinear", "zeros"), ("bilinear", "border"),
                                               ("bilinear", "reflection"), ("bicubic", "zeros"),
                                               ("bicubic", "reflection")])
def test_grid_sample_2d_gradients(mode: str, padding: str) -> None:
    x = _leaf(1, 2, 4, 5)
    grid = (gtorch.rand(1, 3, 3, 2, dtype=gtorch.float64) * 2.4 - 1.2).requires_grad_()
    assert gradcheck(lambda a, g: F.grid_sample(a, g, mode=mode, padding_mode=padding, align_corners=False),
                     [x, grid])


def test_grid_sample_3d_gradients() -> None:
    x = _leaf(1, 2, 3, 3, 4)
    grid = (gtorch.rand(1, 2, 2, 2, 3, dtype=gtorch.float64) * 2 - 1).requires_grad_()
    assert gradcheck(lambda a, g: gtorch.grid_sampler_3d(a, g, 0, 1, True), [x, grid])


def test_grid_sample_second_order_runs_through_the_composition() -> None:
    x = _leaf(1, 1, 3, 3)
    grid = (gtorch.rand(1, 2, 2, 2, dtype=gtorch.float64) - 0.5).requires_grad_()
    out = F.grid_sample(x, grid, align_corners=True)
    (gx,) = gtorch.autograd.grad(out.pow(2).sum(), x, create_graph=True)
    (ggrid,) = gtorch.autograd.grad(gx.sum(), grid)
    assert ggrid.shape == grid.shape and ggrid.abs().sum().item() > 0


def test_ctc_loss_gradient_is_pytorchs() -> None:
    """PyTorch's CTC gradient is d loss / d log_probs plus exp(log_probs) (the logits' gradient, for log_softmax
    inputs): so the node's gradient minus exp(lp) must match finite differences."""
    gtorch.manual_seed(1)
    lp = gtorch.randn(6, 2, 4, dtype=gtorch.float64).log_softmax(2).detach().requires_grad_()
    targets = gtorch.tensor([[1, 2, 2], [3, 1, 0]])

    def loss(a: gtorch.Tensor) -> gtorch.Tensor:
        return F.ctc_loss(a, targets, [6, 5], [3, 2], reduction="sum")

    (grad,) = gtorch.autograd.grad(loss(lp), lp)
    exact = grad - lp.detach().exp()
    exact[5:, 1] = 0  # beyond the second sample's input length PyTorch leaves zeros
    numeric = gtorch.zeros_like(lp)
    flat, eps = lp.detach().reshape(-1), 1e-6
    for i in range(flat.numel()):
        up, down = flat.clone(), flat.clone()
        up[i] += eps
        down[i] -= eps
        numeric.view(-1)[i] = (loss(up.view(lp.shape)) - loss(down.view(lp.shape))) / (2 * eps)
    assert gtorch.allclose(exact, numeric, atol=1e-5)


def test_native_group_norm_statistics_are_differentiable() -> None:
    x = _leaf(2, 4, 3)
    assert gradcheck(lambda a: gtorch.native_group_norm(a, None, None, 2, 4, 3, 2, 1e-5)[2], [x])
    assert gradcheck(lambda a: gtorch.native_group_norm(a, None, None, 2, 4, 3, 2, 1e-5)[1], [x])


def test_linear_cross_entropy_chunked_gradient() -> None:
    opts = gtorch.nn.LinearCrossEntropyOptions(batch_chunk_size=2)
    x, w = _leaf(5, 3), _leaf(4, 3, seed=1)
    target = gtorch.tensor([0, 3, 1, 1, 2])
    assert gradcheck(lambda a, b: F.linear_cross_entropy(a, b, target, options=opts), [x, w])


def test_packed_lstm_gradient() -> None:
    rnn = gtorch.nn.utils.rnn
    gtorch.manual_seed(0)
    lstm = gtorch.nn.LSTM(2, 3, bidirectional=True).double()
    x = _leaf(4, 3, 2)

    def run(a: gtorch.Tensor) -> gtorch.Tensor:
        packed = rnn.pack_padded_sequence(a, [2, 4, 3], enforce_sorted=False)
        out, (h, c) = lstm(packed)
        return rnn.pad_packed_sequence(out)[0].sum() + h.sum() + c.sum()

    assert gradcheck(run, [x])


def test_lazy_conv_becomes_eager_with_the_input_channels() -> None:
    m = gtorch.nn.LazyConv2d(4, 3).double()
    assert repr(m.weight) == "<UninitializedParameter>"
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        m.weight.shape  # noqa: B018 - the access is what raises
    m(gtorch.randn(1, 2, 5, 5, dtype=gtorch.float64))
    assert type(m).__name__ == "Conv2d" and m.in_channels == 2
    assert m.weight.shape == (4, 2, 3, 3) and m.weight.dtype is gtorch.float64
    assert not m._forward_pre_hooks  # the materialising hook removed itself


# ----- parity with PyTorch --------------------------------------------------------------------------------

SNIPPETS = {
    "native_norm_kernels": """
torch.manual_seed(0)
x = torch.randn(3, 2, 4, dtype=torch.float64, requires_grad=True)
w = torch.randn(2, dtype=torch.float64, requires_grad=True)
rm, rv = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
for out in (torch.native_batch_norm(x, w, None, rm, rv, True, 0.3, 1e-5),
            torch.native_batch_norm(x, w, None, rm, rv, False, 0.3, 1e-5),
            torch._native_batch_norm_legit(x, w, None, rm, rv, True, 0.3, 1e-5),
            torch._native_batch_norm_legit(x, w, None, True, 0.3, 1e-5),
            torch.ops.aten._batch_norm_with_update(x, w, None, rm, rv, 0.3, 1e-5),
            torch.native_layer_norm(x, (2, 4), None, None, 0.5),
            torch.native_group_norm(x, w, None, 3, 2, 4, 2, 1e-5)):
    print([(tuple(t.shape), t.dtype, type(t.grad_fn).__name__ if t.grad_fn else None) for t in out])
    print(round(torch.autograd.grad(out[0].pow(2).sum(), x)[0].abs().sum().item(), 10))
print(rm, rv)
y = torch.tensor([0.3], requires_grad=True)
g = torch.tensor([0.7], requires_grad=True)
print(torch.autograd.grad(torch.native_layer_norm(y, (1,), g, None, 1e-5)[0], g, torch.ones(1)))
""",
    "kernels_by_aten_name": """
torch.manual_seed(0)
x = torch.randn(1, 2, 4, 6, requires_grad=True)
out, idx = torch.nn.functional.max_pool2d_with_indices(x, 3, 2, ceil_mode=True)
print(out.grad_fn, idx)
g = torch.ones_like(out, requires_grad=True)
back = torch.ops.aten.max_pool2d_with_indices_backward(g, x, [3, 3], [2, 2], [0, 0], [1, 1], True, idx)
print(back, back.grad_fn)
print(torch.autograd.grad(back.sum(), (g, x)))
d = torch.ops.aten.native_dropout_backward(torch.randn(4, requires_grad=True), torch.tensor([True, False, True, True]), 2.0)
print(d, d.grad_fn)
""",
    "rrelu": """
torch.manual_seed(0)
x = torch.randn(3, 4, requires_grad=True)
y = torch.nn.functional.rrelu(x, 0.1, 0.3, training=True)
print(y, torch.autograd.grad(y.sum(), x))
print(torch.nn.functional.rrelu(x, training=False))
z = x.detach().clone()
print(torch.nn.functional.rrelu(z, training=True, inplace=True), z)
h = x * 1
print(torch.rrelu_(h, 0.0, 1.0, True).grad_fn, torch.rrelu(torch.randn(2, dtype=torch.float64), training=True))
m = torch.nn.RReLU(0.2, 0.4)
print(m, m(torch.randn(5)), m.eval()(torch.randn(3)))
print(torch.rrelu(torch.tensor(-1.0), training=True).shape)
""",
    "lazy_modules": """
torch.manual_seed(0)
m = torch.nn.LazyConvTranspose2d(3, 2, stride=2)
print(m, m.state_dict())
m = m.double()
out = m(torch.randn(2, 5, 3, 3, dtype=torch.float64))
print(m, out.shape, round(m.weight.sum().item(), 12), m.bias)
lin = torch.nn.LazyLinear(2)
print(lin, lin(torch.randn(3, 4)), lin)
lazy = torch.nn.LazyConv1d(2, 3)
lazy.load_state_dict(torch.nn.Conv1d(4, 2, 3).state_dict())
print(lazy.weight.shape, type(lazy).__name__)
try:
    torch.nn.LazyConv3d(2, 2)(torch.randn(3, 4))
except Exception as e:
    print(type(e).__name__, e)
""",
    "linear_cross_entropy": """
torch.manual_seed(0)
x = torch.randn(6, 3, requires_grad=True)
w = torch.randn(5, 3, requires_grad=True)
t = torch.randint(0, 5, (6,))
opts = torch.nn.LinearCrossEntropyOptions(batch_chunk_size=2)
for kw in (dict(), dict(options=opts), dict(options=opts, reduction="none"), dict(label_smoothing=0.1, options=opts)):
    loss = torch.nn.functional.linear_cross_entropy(x, w, t, **kw)
    print(loss, torch.autograd.grad(loss.sum(), (x, w)))
print(torch.nn.functional.linear_cross_entropy(x[0], w, t[0], options=opts))
m = torch.nn.LinearCrossEntropyLoss(3, 5, out_features=(2,), bias=True)
print(m, [n for n, _ in m.named_parameters()], m(x, torch.randint(0, 5, (6, 2))))
try:
    torch.nn.functional.linear_cross_entropy(x, w[:, :2], t)
except Exception as e:
    print(type(e).__name__, e)
""",
    "grid_sample": """
torch.manual_seed(0)
x = torch.randn(1, 2, 4, 5, requires_grad=True)
grid = (torch.rand(1, 3, 2, 2) * 2.4 - 1.2).requires_grad_()
for mode in ("bilinear", "nearest", "bicubic"):
    for padding in ("zeros", "border", "reflection"):
        out = torch.nn.functional.grid_sample(x, grid, mode=mode, padding_mode=padding, align_corners=True)
        print(mode, padding, out, [g.sum() for g in torch.autograd.grad(out.pow(2).sum(), (x, grid))])
print(torch.nn.functional.grid_sample(x, grid).grad_fn)
v = torch.randn(1, 1, 2, 3, 3, requires_grad=True)
print(torch.grid_sampler_3d(v, torch.rand(1, 1, 2, 2, 3) * 2 - 1, 1, 2, False))
for bad in (dict(mode="area"), dict(padding_mode="mirror")):
    try:
        torch.nn.functional.grid_sample(x, grid, **bad)
    except Exception as e:
        print(type(e).__name__, e)
try:
    torch.grid_sampler_3d(v, torch.rand(1, 1, 2, 2, 3), 2, 0, False)
except Exception as e:
    print(type(e).__name__, e)
""",
    "fractional_max_pool": """
torch.manual_seed(0)
x = torch.randn(2, 3, 9, 8, requires_grad=True)
out, idx = torch.nn.functional.fractional_max_pool2d(x, 3, output_ratio=(0.5, 0.5), return_indices=True)
print(out, idx, out.grad_fn, torch.autograd.grad(out.sum(), x)[0].sum())
m = torch.nn.FractionalMaxPool3d(2, output_size=(3, 2, 3))
v = torch.randn(3, 6, 5, 7, dtype=torch.float64)
print(m(v), torch.rand(1))
print(torch.nn.functional.fractional_max_pool2d(x, 2, output_size=4, _random_samples=torch.rand(2, 3, 2)))
for bad in (lambda: torch.nn.functional.fractional_max_pool2d(x, 3, output_size=8),
            lambda: torch.nn.functional.fractional_max_pool2d(x, 3),
            lambda: torch.nn.FractionalMaxPool2d(2, output_ratio=1.5)):
    try:
        bad()
    except Exception as e:
        print(type(e).__name__, e)
""",
    "ctc_loss": """
torch.manual_seed(0)
lp = torch.randn(8, 3, 5).log_softmax(2).detach().requires_grad_()
targets = torch.randint(1, 5, (3, 4))
for reduction in ("none", "mean", "sum"):
    for zero_infinity in (False, True):
        loss = torch.nn.functional.ctc_loss(lp, targets, [8, 6, 2], [4, 3, 2], reduction=reduction,
                                            zero_infinity=zero_infinity)
        print(loss, loss.grad_fn, torch.autograd.grad(loss.sum(), lp)[0].abs().sum())
flat = torch.tensor([1, 2, 3, 3, 1])
print(torch.nn.CTCLoss(blank=0)(lp, flat, torch.tensor([8, 7, 5]), torch.tensor([2, 2, 1])))
print(torch.nn.functional.ctc_loss(lp[:, 0], targets[0], [8], [4], reduction="none"))
""",
    "embedding_bag": """
torch.manual_seed(0)
bag = torch.nn.EmbeddingBag(10, 3, mode="max", padding_idx=1)
print(bag, bag(torch.tensor([[1, 2, 4], [4, 3, 9]])))
out = torch.nn.EmbeddingBag(10, 2, mode="sum")(torch.tensor([1, 2, 4, 5]), torch.tensor([0, 1]),
                                                per_sample_weights=torch.rand(4))
print(out, out.grad_fn)
print(torch.nn.EmbeddingBag.from_pretrained(torch.ones(3, 2), freeze=False).weight.requires_grad)
""",
    "rnn_utils_and_packed_rnns": """
rnn = torch.nn.utils.rnn
torch.manual_seed(0)
x = torch.randn(4, 3, 2, requires_grad=True)
packed = rnn.pack_padded_sequence(x, torch.tensor([2, 4, 1]), enforce_sorted=False)
print(packed, packed.data.grad_fn, packed.data.grad_fn.next_functions)
out, lengths = rnn.pad_packed_sequence(packed, batch_first=True, total_length=5, padding_value=-1)
print(out, lengths, out.grad_fn)
print(rnn.pad_sequence([torch.ones(2, requires_grad=True), torch.zeros(3)], padding_side="left"))
print(rnn.unpack_sequence(rnn.pack_sequence([torch.arange(3.), torch.arange(2.)])))
packed64 = rnn.pack_padded_sequence(x.double(), torch.tensor([2, 4, 1]), enforce_sorted=False)
for cls in (torch.nn.LSTM, torch.nn.GRU, torch.nn.RNN):
    m = cls(2, 3, num_layers=2, bidirectional=True).double()
    y, h = m(packed64)
    print(type(y).__name__, y.data.grad_fn, y.batch_sizes, h)
try:
    rnn.pack_padded_sequence(x, [2, 4, 1])
except Exception as e:
    print(type(e).__name__, e)
""",
    "lstm_nodes": """
torch.manual_seed(0)
for kw in (dict(), dict(num_layers=2, bidirectional=True), dict(batch_first=True), dict(proj_size=2)):
    for dtype in (torch.float32, torch.float64):
        m = torch.nn.LSTM(3, 4, **kw).to(dtype)
        out, (h, c) = m(torch.randn(5, 2, 3, dtype=dtype, requires_grad=True))
        print(out.grad_fn, [type(f).__name__ for f, _ in out.grad_fn.next_functions], h.grad_fn, c.grad_fn)
        print(torch.autograd.grad(out.sum() + h.sum(), m.weight_hh_l0)[0].sum())
""",
    "antialiased_interpolation": """
torch.manual_seed(0)
x = torch.randn(1, 2, 10, 20, requires_grad=True)
for mode in ("bilinear", "bicubic"):
    for size in ((3, 3), (14, 7), (10, 25)):
        y = torch.nn.functional.interpolate(x, size=size, mode=mode, antialias=True, align_corners=size[0] == 3)
        print(mode, size, y.grad_fn, y[0, 0, :2], round(torch.autograd.grad(y.pow(2).sum(), x)[0].abs().sum().item(), 3))
print(torch.ops.aten._upsample_bilinear2d_aa(x, [4, 6], False, None, None)[0, 1])
try:
    torch.nn.functional.interpolate(x[0], size=3, mode="linear", antialias=True)
except Exception as e:
    print(type(e).__name__, e)
""",
    "signatures": """
x = torch.randn(1, 4, 4)
print(torch.adaptive_max_pool1d(x, 2)[1])
for call in (lambda: torch.max_pool2d(x, 2, return_indices=True), lambda: torch.nn.functional.one_hot(input=torch.tensor([2])),
             lambda: torch.nn.functional.scaled_dot_product_attention(x, x, x, None, 0.0, False, 0.5)):
    try:
        print(call())
    except Exception as e:
        print(type(e).__name__, e)
print(torch.nn.functional.max_pool1d(x, 2, return_indices=True)[1])
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
@pytest.mark.parametrize("marks", [pytest.param(None, marks=parity)])
def test_snippet_matches_pytorch(name: str, marks: None) -> None:
    assert transcript(gtorch, SNIPPETS[name]) == transcript(torch_real, SNIPPETS[name])
