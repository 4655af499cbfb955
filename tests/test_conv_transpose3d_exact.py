"""PyTorch's float32 sums for matrix products (MKL's sgemm) and transposed 3-d convolutions.

With the `exact` extra, `exact_gemm.mm` gives torch.mm's bits, and a float32 conv_transpose3d that PyTorch
runs through slow_conv_transpose3d gives its output, input gradient and weight gradient bit for bit (and
conv3d's input gradient on PyTorch's slow path, the same gemm + col2vol). On oneDNN's path the weight
gradient follows a model of oneDNN's direct kernels within the measured range (module_db's ConvTranspose3d
sample among them); elsewhere gradsh keeps its float64 sums, within assert_close.
"""

from __future__ import annotations

import numpy as np
import pytest
from snippet_parity import real_torch

from gradsh import torch as gtorch
from gradsh.engine import exact_gemm
from gradsh.engine.ops import conv_transpose3d_exact as ct

torch_real = real_torch()
needs_mkl = pytest.mark.skipif(not exact_gemm.available(), reason="needs the exact extra (mkl==2024.2.0)")
F = gtorch.nn.functional


def _bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# ----- without torch --------------------------------------------------------------------------------------

@needs_mkl
def test_sgemm_checks_its_buffers() -> None:
    a = np.ones((2, 3), np.float32)
    c = np.zeros((2, 2), np.float32)
    with pytest.raises(ValueError, match="float32"):
        exact_gemm.sgemm(False, False, 2, 2, 3, 1.0, a.astype(np.float64), 2, a, 3, 0.0, c, 2)
    with pytest.raises(ValueError, match="reads"):
        exact_gemm.sgemm(False, False, 2, 2, 30, 1.0, a, 2, a, 30, 0.0, c, 2)
    with pytest.raises(ValueError, match="C-contiguous"):
        exact_gemm.sgemm(False, False, 2, 2, 2, 1.0, a[:, :2], 2, a, 2, 0.0, c, 2)


@needs_mkl
def test_mm_matches_float64_product_closely() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((7, 5)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(exact_gemm.mm(a, b), a.astype(np.float64) @ b, rtol=1e-5, atol=1e-6)
    assert exact_gemm.mm(np.zeros((0, 3), np.float32), np.ones((3, 2), np.float32)).shape == (0, 2)


def test_without_mkl_the_float64_sums_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(exact_gemm._state, "f", None)
    x = np.ones((1, 4, 3, 4, 5), np.float32)
    w_shape = (4, 5, 3, 3, 3)
    go = np.ones((1, 5, 5, 6, 7), np.float32)
    assert ct.weight_grad(x, go, w_shape, (1,) * 3, (0,) * 3, (1,) * 3, (0,) * 3, 1) is None
    assert ct.forward(x, np.ones(w_shape, np.float32), None, (1,) * 3, (0,) * 3, (0,) * 3, (1,) * 3, 1) is None
    gtorch.manual_seed(0)
    xt = gtorch.randn(1, 4, 3, 4, 5, requires_grad=True)
    wt = gtorch.randn(4, 5, 3, 3, 3, requires_grad=True)
    out = F.conv_transpose3d(xt, wt)
    gx, gw = gtorch.autograd.grad(out.sum(), [xt, wt])
    ref = F.conv_transpose3d(xt.double(), wt.double())
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-6, atol=1e-5)
    assert gx.shape == xt.shape and gw.shape == wt.shape


def test_create_graph_keeps_the_recorded_backward() -> None:
    gtorch.manual_seed(1)
    x = gtorch.randn(1, 2, 3, 3, 3, requires_grad=True)
    w = gtorch.randn(2, 3, 2, 2, 2, requires_grad=True)
    (gw,) = gtorch.autograd.grad(F.conv_transpose3d(x, w).pow(2).sum(), [w], create_graph=True)
    assert gw.grad_fn is not None
    (gx,) = gtorch.autograd.grad(gw.sum(), [x])
    assert gx.shape == x.shape


# ----- against real PyTorch -------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
@needs_mkl
@pytest.mark.parity
@pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")
def test_mm_is_torch_mm_bit_for_bit(seed: int) -> None:
    """On PyTorch's default threads, wherever `same_as_threaded` says so (long sums and vectors aside)."""
    rng = np.random.default_rng(seed)
    checked = 0
    for _ in range(80):
        m, n = (int(v) for v in rng.integers(1, 200, 2))
        k = int(rng.integers(1, 700))
        if not exact_gemm.same_as_threaded(n, m, k):  # BLAS's m is torch's column count
            continue
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        expected = torch_real.mm(torch_real.from_numpy(a), torch_real.from_numpy(b)).numpy()
        assert _bits_equal(exact_gemm.mm(a, b), expected), (m, k, n)
        checked += 1
    assert checked >= 40


@needs_mkl
@pytest.mark.parity
@pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")
def test_mm_is_torch_mm_on_one_thread_for_every_shape() -> None:
    """MKL's threads are the only difference: with one thread every shape (vectors, k up to 3000) agrees."""
    rng = np.random.default_rng(5)
    threads = torch_real.get_num_threads()
    torch_real.set_num_threads(1)
    try:
        for i in range(60):
            m, n = (int(v) for v in rng.integers(1, 100, 2))
            if i % 4 == 0:
                n = 1
            k = int(rng.integers(1, 3000))
            a = rng.standard_normal((m, k)).astype(np.float32)
            b = rng.standard_normal((k, n)).astype(np.float32)
            expected = torch_real.mm(torch_real.from_numpy(a), torch_real.from_numpy(b)).numpy()
            assert _bits_equal(exact_gemm.mm(a, b), expected), (m, k, n)
    finally:
        torch_real.set_num_threads(threads)


def _random_case(rng: np.random.Generator, batch: int) -> dict:
    """A valid transposed convolution: every output extent positive."""
    while True:
        kernel = tuple(int(v) for v in rng.integers(1, 4, 3))
        stride = tuple(int(v) for v in rng.integers(1, 3, 3))
        dilation = tuple(int(v) for v in rng.integers(1, 3, 3))
        padding = tuple(int(rng.integers(0, k)) for k in kernel)
        output_padding = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
        size = tuple(int(v) for v in rng.integers(1, 6, 3))
        if all((size[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + output_padding[i] >= 0
               for i in range(3)):
            return {"batch": batch, "cin": int(rng.integers(1, 6)), "cout": int(rng.integers(1, 6)),
                    "kernel": kernel, "size": size, "stride": stride, "padding": padding,
                    "output_padding": output_padding, "dilation": dilation, "bias": bool(rng.integers(0, 2))}


def _run_both(case: dict, seed: int) -> tuple:
    g = torch_real.Generator().manual_seed(seed)
    x = torch_real.randn(case["batch"], case["cin"], *case["size"], generator=g).requires_grad_()
    w = torch_real.randn(case["cin"], case["cout"], *case["kernel"], generator=g).requires_grad_()
    b = torch_real.randn(case["cout"], generator=g).requires_grad_() if case["bias"] else None
    kw = {name: case[name] for name in ("stride", "padding", "output_padding", "dilation")}
    out = torch_real.nn.functional.conv_transpose3d(x, w, b, **kw)
    go = torch_real.randn(out.shape, generator=g)
    ref = [out] + list(torch_real.autograd.grad(out, [t for t in (x, w, b) if t is not None], go))
    xs, ws = gtorch.tensor(x.detach().numpy(), requires_grad=True), gtorch.tensor(w.detach().numpy(), requires_grad=True)
    bs = gtorch.tensor(b.detach().numpy(), requires_grad=True) if b is not None else None
    got_out = F.conv_transpose3d(xs, ws, bs, **kw)
    got = [got_out] + list(gtorch.autograd.grad(got_out, [t for t in (xs, ws, bs) if t is not None],
                                                gtorch.tensor(go.numpy())))
    backend = str(torch_real._C._select_conv_backend(x, w, b, list(case["stride"]), list(case["padding"]),
                                                     list(case["dilation"]), True, list(case["output_padding"]), 1))
    return [t.detach().numpy() for t in ref], [t.detach().numpy() for t in got], backend


@pytest.mark.parametrize("seed", range(4))
@needs_mkl
@pytest.mark.parity
@pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")
def test_slow_path_is_bit_exact(seed: int) -> None:
    """One sample (PyTorch's slow_conv_transpose3d): output and every gradient, bit for bit."""
    rng = np.random.default_rng(100 + seed)
    checked = 0
    for i in range(25):
        case = _random_case(rng, batch=1)
        ref, got, backend = _run_both(case, seed * 1000 + i)
        assert backend.endswith("SlowTranspose3d") == ct.torch_runs_slow_path(
            (1, case["cin"], *case["size"]), (case["cin"], case["cout"], *case["kernel"]), case["stride"],
            case["dilation"], case["output_padding"], 1), case
        if not backend.endswith("SlowTranspose3d"):
            continue
        pos, ck, cin = int(np.prod(case["size"])), case["cout"] * int(np.prod(case["kernel"])), case["cin"]
        # each product as ATen passes it to sgemm (m, n, k); MKL's threads decide where sequential MKL agrees
        gemms = {"out": (pos, ck, cin), "grad input": (pos, cin, ck), "grad weight": (ck, cin, pos)}
        for name, r, g in zip(("out", "grad input", "grad weight", "grad bias"), ref, got):
            if name in gemms and exact_gemm.same_as_threaded(*gemms[name]):
                assert _bits_equal(g, r), (name, case)
                checked += 1
            else:  # the bias's sum over positions, and vector-shaped products: conv.py's float64 sums
                np.testing.assert_allclose(g, r, rtol=1.3e-6, atol=1e-5)
    assert checked >= 30


@needs_mkl
@pytest.mark.parity
@pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")
def test_backend_choice_matches_pytorch() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        case = _random_case(rng, batch=int(rng.integers(1, 4)))
        x_shape = (case["batch"], case["cin"], *case["size"])
        w_shape = (case["cin"], case["cout"], *case["kernel"])
        x, w = torch_real.empty(x_shape), torch_real.empty(w_shape)
        backend = str(torch_real._C._select_conv_backend(x, w, None, list(case["stride"]), list(case["padding"]),
                                                         list(case["dilation"]), True, list(case["output_padding"]), 1))
        assert backend.endswith("SlowTranspose3d") == ct.torch_runs_slow_path(
            x_shape, w_shape, case["stride"], case["dilation"], case["output_padding"], 1), case


@needs_mkl
@pytest.mark.parity
@pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")
def test_module_db_sample_on_onednn_is_bit_exact() -> None:
    """module_db's ConvTranspose3d(4, 5, 3) on a batch of 2 (oneDNN's path): the weight gradient's bits."""
    torch_real.manual_seed(0)
    x = torch_real.randn(2, 4, 3, 4, 5, requires_grad=True)
    m = torch_real.nn.ConvTranspose3d(4, 5, 3)
    go = torch_real.randn(2, 5, 5, 6, 7)
    out = m(x)
    gw = torch_real.autograd.grad(out, [m.weight], go)[0].numpy()
    mg = gtorch.nn.ConvTranspose3d(4, 5, 3)
    mg.load_state_dict({k: gtorch.tensor(v.detach().numpy()) for k, v in m.state_dict().items()})
    mg.register_full_backward_hook(lambda *args: None)  # a hook anywhere must not change the sums
    xg = gtorch.tensor(x.detach().numpy(), requires_grad=True)
    (gwg,) = gtorch.autograd.grad(mg(xg), [mg.weight], gtorch.tensor(go.numpy()))
    assert _bits_equal(gwg.numpy(), gw)


@needs_mkl
@pytest.mark.parity
@pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")
def test_conv3d_input_grad_on_the_slow_path_is_bit_exact() -> None:
    """PyTorch's slow_conv3d computes the input gradient with the same gemm + col2vol."""
    rng = np.random.default_rng(11)
    checked = 0
    for i in range(20):
        k = tuple(int(v) for v in rng.integers(1, 4, 3))
        s = tuple(int(v) for v in rng.integers(1, 3, 3))
        p = tuple(int(v) for v in rng.integers(0, 2, 3))
        size = tuple(int(v) for v in rng.integers(4, 8, 3))
        cin, cout = (int(v) for v in rng.integers(1, 6, 2))
        g = torch_real.Generator().manual_seed(i)
        x = torch_real.randn(1, cin, *size, generator=g).requires_grad_()
        w = torch_real.randn(cout, cin, *k, generator=g).requires_grad_()
        if not str(torch_real._C._select_conv_backend(x, w, None, list(s), list(p), [1, 1, 1], False, [0, 0, 0],
                                                      1)).endswith("Slow3d"):
            continue
        out = torch_real.nn.functional.conv3d(x, w, None, s, p)
        go = torch_real.randn(out.shape, generator=g)
        (gx,) = torch_real.autograd.grad(out, [x], go)
        xg = gtorch.tensor(x.detach().numpy(), requires_grad=True)
        (gxg,) = gtorch.autograd.grad(F.conv3d(xg, gtorch.tensor(w.detach().numpy()), None, s, p), [xg],
                                      gtorch.tensor(go.numpy()))
        assert _bits_equal(gxg.numpy(), gx.numpy()), (cin, cout, k, s, p, size)
        checked += 1
    assert checked >= 5


@needs_mkl
@pytest.mark.parity
@pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")
def test_aten_matmul_is_torch_matmul_for_matrices_and_batches() -> None:
    """bmm below k*m*n = 400 is ATen's own loop (multiply, then add), above it MKL per matrix; mm is MKL."""
    rng = np.random.default_rng(12)
    kinds = {"naive": 0, "mkl": 0, "none": 0}
    for i in range(120):
        bs, m, k, n = (int(v) for v in rng.integers(1, 14, 4))
        shape_a, shape_b = ((bs, m, k), (bs, k, n)) if i % 3 else ((m, k), (k, n))
        a = rng.standard_normal(shape_a).astype(np.float32)
        b = rng.standard_normal(shape_b).astype(np.float32)
        got = exact_gemm.aten_matmul(a, b)
        if got is None:
            kinds["none"] += 1
            continue
        kinds["naive" if len(shape_a) == 3 and k * m * n < 400 else "mkl"] += 1
        expected = torch_real.matmul(torch_real.from_numpy(a), torch_real.from_numpy(b)).numpy()
        assert _bits_equal(got, expected), (shape_a, shape_b)
    assert min(kinds.values()) > 0, kinds
    assert exact_gemm.aten_matmul(np.ones((2, 2)), np.ones((2, 2))) is None  # float64: the caller's own product
