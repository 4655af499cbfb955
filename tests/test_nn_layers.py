"""torch.nn layers against real PyTorch: seeded initialisation bit for bit, repr, forward and gradients.

Each case builds the module on both engines after manual_seed(0) with the same arguments, runs the
same input (and, in training mode, the same seed for dropout) and compares outputs, the gradients of
the input and of every parameter, and the buffers after forward (BatchNorm's running statistics).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import gradsh.torch as gtorch

torch_real = pytest.importorskip("torch")
pytestmark = pytest.mark.parity

TOL = {"float32": {"rtol": 1.3e-6 * 4, "atol": 1e-5}, "float64": {"rtol": 1e-7, "atol": 1e-7}}

# (class name, constructor args, constructor kwargs, input shape)
CASES: list[tuple[str, tuple, dict, tuple]] = [
    ("Conv1d", (3, 4, 3), {"stride": 2, "padding": 1}, (2, 3, 9)),
    ("Conv2d", (4, 6, (3, 2)), {"groups": 2, "dilation": 2, "padding_mode": "reflect", "padding": 1}, (2, 4, 7, 6)),
    ("Conv2d", (3, 2, 2), {"padding": "same", "bias": False}, (3, 5, 5)),
    ("Conv3d", (2, 3, 2), {"padding_mode": "circular", "padding": 1}, (1, 2, 3, 4, 3)),
    ("ConvTranspose1d", (3, 2, 3), {"stride": 2, "output_padding": 1}, (2, 3, 5)),
    ("ConvTranspose2d", (4, 2, 3), {"groups": 2, "stride": (2, 1), "dilation": 2}, (1, 4, 3, 4)),
    ("ConvTranspose3d", (2, 2, 2), {"stride": 2}, (1, 2, 2, 3, 2)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 7, 7)),
    ("MaxPool1d", (2,), {"return_indices": True}, (2, 3, 8)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}, (2, 3, 6, 7)),
    ("AvgPool1d", (3,), {"stride": 2}, (2, 3, 8)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 3, 7, 8)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 7, 8)),
    ("AdaptiveMaxPool1d", (3,), {"return_indices": True}, (2, 3, 8)),
    ("LPPool2d", (2, 2), {}, (2, 3, 4, 4)),
    ("BatchNorm2d", (3,), {"momentum": None}, (4, 3, 2, 3)),
    ("BatchNorm1d", (3,), {"affine": False}, (5, 3)),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 5)),
    ("LayerNorm", ((3, 4),), {}, (2, 3, 4)),
    ("GroupNorm", (2, 4), {"bias": False}, (3, 4, 5)),
    ("RMSNorm", (4,), {}, (3, 4)),
    ("LocalResponseNorm", (3,), {}, (2, 5, 4)),
    ("Dropout1d", (0.4,), {}, (3, 4, 5)),
    ("Dropout2d", (0.5,), {}, (2, 3, 2, 2)),
    ("Dropout3d", (0.3,), {}, (4, 2, 2, 2)),
    ("AlphaDropout", (0.2,), {}, (4, 5)),
    ("FeatureAlphaDropout", (0.5,), {}, (3, 4, 2)),
    ("Unflatten", (1, (2, 3)), {}, (2, 6, 2)),
    # batched LSTMs: PyTorch's float32 LSTM without projections tops its output with oneDNN's node
    # (MkldnnRnnLayerBackward0); batch_first's transpose or a projection gives the composite's nodes
    ("LSTM", (3, 4), {"num_layers": 2, "dropout": 0.5, "batch_first": True}, (2, 5, 3)),
    ("LSTM", (3, 4), {"proj_size": 2, "bidirectional": True}, (5, 2, 3)),
    ("GRU", (3, 4), {"num_layers": 2, "bidirectional": True, "batch_first": True}, (2, 4, 3)),
    ("RNN", (3, 4, 2), {"nonlinearity": "relu", "bias": False}, (4, 2, 3)),
    ("RNN", (3, 4), {}, (4, 3)),
    ("LSTMCell", (3, 4), {}, (2, 3)),
    ("GRUCell", (3, 4), {"bias": False}, (2, 3)),
    ("RNNCell", (3, 4), {"nonlinearity": "relu"}, (3,)),
    ("ZeroPad2d", ((1, 0, 2, 1),), {}, (2, 2, 3, 3)),
    ("ConstantPad1d", (2, -1.5), {}, (2, 4)),
    ("ReflectionPad3d", (1,), {}, (1, 2, 3, 3, 2)),
    ("ReplicationPad1d", ((3, 1),), {}, (2, 3, 2)),
    ("CircularPad2d", ((1, 2, 0, 1),), {}, (2, 3, 3)),
    ("Upsample", (), {"scale_factor": 2, "mode": "bilinear"}, (1, 2, 3, 3)),
    ("UpsamplingNearest2d", ((4, 5),), {}, (1, 2, 3, 3)),
    ("PReLU", (3,), {"init": 0.1}, (2, 3, 4)),
    ("PixelShuffle", (2,), {}, (1, 8, 2, 3)),
    ("PixelUnshuffle", (2,), {}, (1, 2, 4, 2)),
    ("ChannelShuffle", (2,), {}, (1, 4, 3)),
    ("Unfold", ((2, 3),), {"padding": 1}, (2, 2, 3, 4)),
    ("Fold", ((3, 4), 2), {}, (2, 8, 6)),
]


def _flat(out: Any) -> list:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _run(T: Any, name: str, args: tuple, kwargs: dict, shape: tuple, dtype: str, x: np.ndarray) -> dict:
    T.manual_seed(0)
    m = getattr(T.nn, name)(*args, **kwargs).to(getattr(T, dtype))
    init = {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}
    inp = T.tensor(x, dtype=getattr(T, dtype), requires_grad=True)
    T.manual_seed(1)
    outs = _flat(m(inp))
    diff = [o for o in outs if o.requires_grad]
    rng = np.random.default_rng(1)
    go = [T.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype) for o in diff]
    params = [p for _, p in m.named_parameters()]
    grads = T.autograd.grad(diff, [inp, *params], go) if diff else []
    return {
        "repr": repr(m), "init": init, "outs": [o.detach().numpy() for o in outs],
        "grad_fn": [type(o.grad_fn).__name__ if o.grad_fn is not None else None for o in outs],
        "grads": [g.numpy() for g in grads],
        "buffers": {k: v.numpy().copy() for k, v in m.named_buffers()},
    }


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_module_matches_pytorch(name: str, args: tuple, kwargs: dict, shape: tuple, dtype: str) -> None:
    x = np.random.default_rng(0).uniform(-1, 1, shape)
    ref = _run(torch_real, name, args, kwargs, shape, dtype, x)
    got = _run(gtorch, name, args, kwargs, shape, dtype, x)
    assert got["repr"] == ref["repr"]
    assert got["init"].keys() == ref["init"].keys()
    for k in ref["init"]:
        np.testing.assert_array_equal(got["init"][k], ref["init"][k], err_msg=f"initial {k}")
    assert got["grad_fn"] == ref["grad_fn"]
    for g, r in zip(got["outs"], ref["outs"], strict=True):
        assert g.dtype == r.dtype
        np.testing.assert_allclose(g, r, **TOL[dtype])
    for i, (g, r) in enumerate(zip(got["grads"], ref["grads"], strict=True)):
        np.testing.assert_allclose(g, r, **TOL[dtype], err_msg=f"gradient {i}")
    for k in ref["buffers"]:
        np.testing.assert_allclose(got["buffers"][k], ref["buffers"][k], **TOL[dtype], err_msg=f"buffer {k}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": -2, "scale_grad_by_freq": True}, {"max_norm": 1.0}])
def test_embedding_matches_pytorch(kwargs: dict, dtype: str) -> None:
    got_and_ref = []
    for T in (torch_real, gtorch):
        T.manual_seed(0)
        m = T.nn.Embedding(6, 3, **kwargs).to(getattr(T, dtype))
        idx = T.tensor([[0, 4, 4], [1, 4, 5]])
        out = m(idx)
        (g,) = T.autograd.grad(out, [m.weight], T.ones_like(out) * T.arange(3.0, dtype=out.dtype))
        got_and_ref.append((repr(m), out.detach().numpy(), g.numpy(), type(out.grad_fn).__name__,
                            m.weight.detach().numpy()))
    ref, got = got_and_ref
    assert got[0] == ref[0] and got[3] == ref[3]
    for a, b in zip(got[1:3] + got[4:], ref[1:3] + ref[4:]):
        np.testing.assert_allclose(a, b, **TOL[dtype])


def test_two_and_three_input_modules_match_pytorch() -> None:
    rng = np.random.default_rng(3)
    a, b, c = (rng.uniform(-1, 1, (4, 5)) for _ in range(3))
    results = []
    for T in (torch_real, gtorch):
        x1, x2, x3 = (T.tensor(v, requires_grad=True) for v in (a, b, c))
        outs = [T.nn.CosineSimilarity()(x1, x2), T.nn.PairwiseDistance(p=3.0)(x1, x2),
                T.nn.TripletMarginLoss(margin=0.5, swap=True)(x1, x2, x3),
                T.nn.TripletMarginWithDistanceLoss()(x1, x2, x3)]
        pooled, idx = T.nn.functional.max_pool2d(x1.view(1, 1, 4, 5), 2, return_indices=True)
        outs.append(T.nn.MaxUnpool2d(2)(pooled, idx, output_size=(4, 5)))
        grads = T.autograd.grad(sum(o.sum() for o in outs), [x1, x2, x3])
        results.append(([o.detach().numpy() for o in outs], [g.numpy() for g in grads],
                        [repr(m) for m in (T.nn.MaxUnpool1d(3, 2, 1), T.nn.TripletMarginWithDistanceLoss())]))
    (ref_o, ref_g, ref_r), (got_o, got_g, got_r) = results
    assert got_r == ref_r
    for g, r in zip(got_o + got_g, ref_o + ref_g, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", ["weights_padding_mask", "sdpa_path_batch_first", "separate_kv_dims"])
def test_multihead_attention_matches_pytorch(case: str, dtype: str) -> None:
    rng = np.random.default_rng(5)
    q, k = rng.uniform(-1, 1, (2, 3, 4)), rng.uniform(-1, 1, (2, 5, 4))
    kv = rng.uniform(-1, 1, (2, 5, 6))
    results = []
    for T in (torch_real, gtorch):
        T.manual_seed(0)
        dt = getattr(T, dtype)
        if case == "separate_kv_dims":
            m = T.nn.MultiheadAttention(4, 2, kdim=6, vdim=6, batch_first=True, add_bias_kv=True).to(dt)
            args = (T.tensor(q, dtype=dt, requires_grad=True), T.tensor(kv, dtype=dt), T.tensor(kv, dtype=dt))
            kwargs: dict = {"average_attn_weights": False}
        else:
            m = T.nn.MultiheadAttention(4, 2, batch_first=True, add_zero_attn=True).to(dt)
            args = (T.tensor(q, dtype=dt, requires_grad=True), T.tensor(k, dtype=dt), T.tensor(k, dtype=dt))
            mask = T.tensor([[False, False, True, False, True], [False, True, False, False, False]])
            kwargs = ({"key_padding_mask": mask} if case == "weights_padding_mask"
                      else {"need_weights": False, "attn_mask": T.zeros(3, 5, dtype=dt)})
        out, weights = m(*args, **kwargs)
        grads = T.autograd.grad(out.sum() + (weights.sum() if weights is not None else 0),
                                [args[0], *m.parameters()])
        results.append((repr(m), out.detach().numpy(), None if weights is None else weights.detach().numpy(),
                        [g.numpy() for g in grads], type(out.grad_fn).__name__))
    (rr, ro, rw, rg, rn), (gr, go, gw, gg, gn) = results
    assert (gr, gn) == (rr, rn)
    np.testing.assert_allclose(go, ro, **TOL[dtype])
    assert (gw is None) == (rw is None)
    if rw is not None:
        np.testing.assert_allclose(gw, rw, **TOL[dtype])
    for g, r in zip(gg, rg, strict=True):
        np.testing.assert_allclose(g, r, **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_transformer_matches_pytorch(dtype: str) -> None:
    rng = np.random.default_rng(7)
    src, tgt = rng.uniform(-1, 1, (2, 5, 4)), rng.uniform(-1, 1, (2, 3, 4))
    results = []
    for T in (torch_real, gtorch):
        T.manual_seed(0)
        dt = getattr(T, dtype)
        m = T.nn.Transformer(4, 2, 2, 1, dim_feedforward=8, dropout=0.2, activation="gelu", batch_first=True,
                             norm_first=True).to(dt)
        s, t = T.tensor(src, dtype=dt, requires_grad=True), T.tensor(tgt, dtype=dt)
        mask = T.nn.Transformer.generate_square_subsequent_mask(3, dtype=dt)
        pad = T.tensor([[False, False, False, True, True], [False] * 5])
        T.manual_seed(1)
        out = m(s, t, tgt_mask=mask, src_key_padding_mask=pad, memory_key_padding_mask=pad)
        grads = T.autograd.grad(out.sum(), [s, *m.parameters()])
        results.append((repr(m), {k: v.detach().numpy().copy() for k, v in m.state_dict().items()},
                        out.detach().numpy(), [g.numpy() for g in grads], type(out.grad_fn).__name__))
    (rr, rs, ro, rg, rn), (gr, gs, go, gg, gn) = results
    assert (gr, gn) == (rr, rn)
    assert gs.keys() == rs.keys()
    for k in rs:
        np.testing.assert_array_equal(gs[k], rs[k], err_msg=k)
    np.testing.assert_allclose(go, ro, **TOL[dtype])
    for g, r in zip(gg, rg, strict=True):
        np.testing.assert_allclose(g, r, **TOL[dtype])


@pytest.mark.parametrize("cls", ["Embedding", "EmbeddingBag"])
@pytest.mark.parametrize("padding_idx", [5, -6, 4, -5, 0])
def test_embedding_padding_index_is_checked_and_wrapped_as_pytorch(cls: str, padding_idx: int) -> None:
    def outcome(module: Any) -> str:
        try:
            return str(getattr(module.nn, cls)(5, 2, padding_idx=padding_idx).padding_idx)
        except AssertionError as e:
            return f"AssertionError: {e}"

    expected = {5: "{} must be within num_embeddings", -6: "{} must be within num_embeddings", 4: "4", -5: "0", 0: "0"}
    word = "Padding_idx" if cls == "Embedding" else "padding_idx"
    want = expected[padding_idx].format(word)
    assert outcome(gtorch) == (want if want[0].isdigit() else f"AssertionError: {want}")
