"""float32 matrix products (mm, matmul, bmm, addmm, nn.Linear) give PyTorch's bits with the `exact` extra.

PyTorch calls the sgemm of its MKL with the bias already in C (beta=1) and transposed operands passed as 'T'.
exact_gemm makes those calls where its gate says the sequential MKL agrees with torch's threaded one; elsewhere
(and without the extra) gradsh keeps numpy's product, so those shapes are not compared bitwise here.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch as gtorch
from gradsh.engine import exact_gemm

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = [pytest.mark.parity,
              pytest.mark.skipif(not exact_gemm.available(), reason="needs the exact extra (MKL's sgemm)")]


def _shapes(seed: int, count: int, limit: int = 160, k_limit: int = 512) -> list[tuple[int, int, int]]:
    rng = np.random.default_rng(seed)
    return [(int(rng.integers(2, limit)), int(rng.integers(1, k_limit + 1)), int(rng.integers(2, limit)))
            for _ in range(count)]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def _gated(bias: np.ndarray | None, a: np.ndarray, b: np.ndarray) -> bool:
    return exact_gemm.addmm(bias, a, b) is None


def test_mm_and_matmul_bits() -> None:
    rng = np.random.default_rng(1)
    compared = 0
    for m, k, n in _shapes(1, 120):
        a, b = rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32)
        for left, right in ((a, b), (np.asfortranarray(a), b), (a, np.asfortranarray(b))):
            if _gated(None, left, right):
                continue
            compared += 1
            want = torch_real.from_numpy(np.ascontiguousarray(left.T)).T if not left.flags.c_contiguous \
                else torch_real.from_numpy(left)
            other = torch_real.from_numpy(np.ascontiguousarray(right.T)).T if not right.flags.c_contiguous \
                else torch_real.from_numpy(right)
            assert _same((gtorch.from_numpy(left) @ gtorch.from_numpy(right)).numpy(), (want @ other).numpy()), (m, k, n)
    assert compared > 250  # the gate keeps most shapes of this range


def test_linear_and_addmm_bits_start_from_the_bias() -> None:
    rng = np.random.default_rng(2)
    compared = 0
    for m, k, n in _shapes(2, 120):
        x, w = rng.standard_normal((m, k), np.float32), rng.standard_normal((n, k), np.float32)
        bias = rng.standard_normal(n).astype(np.float32)
        if _gated(bias, x, w.T):
            continue
        compared += 1
        want = torch_real.nn.functional.linear(*(torch_real.from_numpy(v) for v in (x, w, bias))).numpy()
        got = gtorch.nn.functional.linear(*(gtorch.from_numpy(v) for v in (x, w, bias))).numpy()
        assert _same(got, want), (m, k, n)
        c = rng.standard_normal((m, n)).astype(np.float32)
        want = torch_real.addmm(torch_real.from_numpy(c), torch_real.from_numpy(x), torch_real.from_numpy(w.T.copy()),
                                beta=0.5, alpha=2.0).numpy()
        got = gtorch.addmm(gtorch.from_numpy(c), gtorch.from_numpy(x), gtorch.from_numpy(w.T.copy()),
                           beta=0.5, alpha=2.0).numpy()
        assert _same(got, want), ("addmm", m, k, n)
    assert compared > 80


def test_mlp_layer_shapes_forward_and_input_gradient() -> None:
    """nn.Linear on the tutorial shapes (the MLP of every transcript): forward and the input's gradient."""
    rng = np.random.default_rng(3)
    for batch, fan_in, fan_out in ((64, 256, 256), (64, 256, 10), (32, 784, 128), (16, 2, 8), (100, 1, 1)):
        x, w = rng.standard_normal((batch, fan_in), np.float32), rng.standard_normal((fan_out, fan_in), np.float32)
        bias, g = rng.standard_normal(fan_out).astype(np.float32), rng.standard_normal((batch, fan_out), np.float32)
        ref = [torch_real.tensor(v, requires_grad=True) for v in (x, w, bias)]
        mine = [gtorch.tensor(v, requires_grad=True) for v in (x, w, bias)]
        out_ref, out = torch_real.nn.functional.linear(*ref), gtorch.nn.functional.linear(*mine)
        if not _gated(bias, x, w.T):
            assert _same(out.detach().numpy(), out_ref.detach().numpy()), (batch, fan_in, fan_out)
        out_ref.backward(torch_real.from_numpy(g))
        out.backward(gtorch.from_numpy(g))
        if not _gated(None, g, w):
            assert _same(mine[0].grad.numpy(), ref[0].grad.numpy()), (batch, fan_in, fan_out)


def test_bmm_and_batched_matmul_bits() -> None:
    rng = np.random.default_rng(4)
    for bs, m, k, n in [(int(v[0]), int(v[1]), int(v[2]), int(v[3])) for v in rng.integers(1, 48, (120, 4))]:
        x, y = rng.standard_normal((bs, m, k), np.float32), rng.standard_normal((bs, k, n), np.float32)
        if exact_gemm.aten_matmul(x, y) is not None:
            want = torch_real.bmm(torch_real.from_numpy(x), torch_real.from_numpy(y)).numpy()
            assert _same(gtorch.bmm(gtorch.from_numpy(x), gtorch.from_numpy(y)).numpy(), want), (bs, m, k, n)
        if not _gated(None, x.reshape(-1, k), y[0]):
            want = torch_real.matmul(torch_real.from_numpy(x), torch_real.from_numpy(y[0])).numpy()
            assert _same(gtorch.matmul(gtorch.from_numpy(x), gtorch.from_numpy(y[0])).numpy(), want), (bs, m, k, n)


def test_gate_refuses_what_it_cannot_promise() -> None:
    a = np.ones((4, 600), np.float32)
    assert exact_gemm.addmm(None, a, np.ones((600, 8), np.float32)) is None  # long sums: threads split k
    assert exact_gemm.addmm(None, np.ones((1, 8), np.float32), np.ones((8, 8), np.float32)) is None  # a vector
    w = np.ones((300, 400), np.float32)
    assert exact_gemm.addmm(None, np.ones((8, 400), np.float32), w.T) is None  # few rows, transposed, large
    assert exact_gemm.addmm(None, np.ones((8, 4), np.float64), np.ones((4, 8), np.float64)) is None
