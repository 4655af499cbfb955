"""Bit-exact elementwise math and summation orders against real PyTorch.

With the `exact` extra (mkl==2024.2.0) the 15 MKL ops of spec/elementwise.md give PyTorch's bits on every
input and layout; without it they fall back to the numpy kernels unchanged. tanh's backward (a fused
multiply-add) and float64 sums/means and sums over leading dims follow PyTorch's kernels with or without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from gradsh import torch as gtorch
from gradsh.engine import exact_math

MKL_OPS = ["exp", "log", "log2", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "tanh", "erf", "erfc",
           "erfinv", "sqrt"]
SPECIALS = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 2.0, 1e-30, -1e-30, 1e-8, 88.7, -103.0,
            709.8, 1e30, 5e-324, 1.2e-38]


def _real_torch() -> object:
    torch = pytest.importorskip("torch")
    if not hasattr(torch, "_C"):
        pytest.skip("`import torch` does not give real PyTorch")
    return torch


def _draw(op: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Inputs over each op's interesting range (spec/elementwise.md §10, shortened), plus special values."""
    third = n // 3
    if op in ("log", "log2", "log10", "sqrt"):
        parts = [10 ** rng.uniform(-40, 38, third), rng.uniform(0, 4, third), rng.uniform(0.5, 2, third)]
    elif op in ("asin", "acos", "erfinv"):
        parts = [rng.uniform(-1, 1, third), 1 - 10 ** rng.uniform(-8, -1, third), 10 ** rng.uniform(-8, 0, third)]
    elif op == "exp":
        parts = [rng.uniform(-104, 89.7, third), rng.normal(0, 5, third), 10 ** rng.uniform(-8, 1, third)]
    elif op in ("sin", "cos", "tan"):
        parts = [rng.uniform(-10, 10, third), rng.uniform(-1e4, 1e4, third), 10 ** rng.uniform(-8, 8, third)]
    elif op == "erfc":
        parts = [rng.uniform(-3, 27, third), rng.normal(0, 1, third), 10 ** rng.uniform(-8, 0.5, third)]
    else:
        parts = [rng.uniform(-10, 10, third), rng.normal(0, 2, third), 10 ** rng.uniform(-8, 1, third)]
    x = np.concatenate(parts)
    x[rng.random(x.size) < 0.5] *= -1 if op not in ("log", "log2", "log10", "sqrt") else 1
    return np.concatenate([x, SPECIALS])


def _same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise: identical bits, or both NaN."""
    width = a.dtype.itemsize
    return (a.view(f"u{width}") == b.view(f"u{width}")) | (np.isnan(a) & np.isnan(b))


needs_mkl = pytest.mark.skipif(not exact_math.available(), reason=f"no exact backend: {exact_math.why_not()}")


@pytest.mark.parity
@needs_mkl
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", MKL_OPS)
def test_mkl_ops_are_bit_exact(op: str, dtype: str) -> None:
    torch = _real_torch()
    x = _draw(op, 1 << 17, np.random.default_rng(MKL_OPS.index(op))).astype(dtype)
    with np.errstate(all="ignore"):
        ref = getattr(torch, op)(torch.from_numpy(x)).numpy()
        mine = getattr(gtorch, op)(gtorch.tensor(x)).numpy()
    same = _same_bits(ref, mine)
    assert same.all(), f"{op} {dtype}: {np.count_nonzero(~same)} of {x.size} differ, e.g. x={x[~same][:3]}"


@pytest.mark.parity
@needs_mkl
@pytest.mark.parametrize("op", ["tanh", "sqrt", "erf"])
def test_layouts_and_small_tensors(op: str) -> None:
    """Transposed, strided, 0-d and few-element tensors: the same bits and the same layout as PyTorch."""
    torch = _real_torch()
    x = _draw(op, 3000, np.random.default_rng(7))[:3000].astype(np.float32).reshape(50, 60)
    cases = [
        (lambda m: m.tensor(x).t(), "transposed"),
        (lambda m: m.tensor(x)[:, ::3], "strided"),
        (lambda m: m.tensor(x[0, 0]), "0-d"),
        (lambda m: m.tensor(x[0, :5]), "5 elements"),
        (lambda m: m.tensor(x).double().t()[::2], "float64 transposed and strided"),
    ]
    for make, what in cases:
        ref = getattr(torch, op)(make(torch))
        mine = getattr(gtorch, op)(make(gtorch))
        assert _same_bits(ref.numpy(), mine.numpy()).all(), what
        assert mine.numpy().strides == ref.numpy().strides, what  # a transposed input keeps its layout


@pytest.mark.parity
@needs_mkl
def test_backward_formulas_use_the_same_kernels() -> None:
    """sin's backward multiplies by cos(x): PyTorch's cos, so the gradient's bits match too."""
    torch = _real_torch()
    x = np.random.default_rng(3).uniform(-10, 10, 4099).astype(np.float32)
    ref, mine = torch.tensor(x, requires_grad=True), gtorch.tensor(x, requires_grad=True)
    torch.sin(ref).sum().backward()
    gtorch.sin(mine).sum().backward()
    assert _same_bits(ref.grad.numpy(), mine.grad.numpy()).all()


@pytest.mark.parity
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tanh_backward_is_one_fused_multiply_add(dtype: str) -> None:
    torch = _real_torch()
    rng = np.random.default_rng(11)
    x, g = rng.normal(0, 2, 5001).astype(dtype), rng.normal(0, 1, 5001).astype(dtype)
    ref, mine = torch.tensor(x, requires_grad=True), gtorch.tensor(x, requires_grad=True)
    torch.tanh(ref).backward(torch.tensor(g))
    gtorch.tanh(mine).backward(gtorch.tensor(g))
    y = torch.tanh(torch.tensor(x))
    expected = torch.ops.aten.tanh_backward(torch.tensor(g), y).numpy()
    # gradsh's tanh may differ from PyTorch's without MKL: compare with tanh_backward of gradsh's own forward
    mine_y = gtorch.tanh(gtorch.tensor(x)).numpy()
    own = torch.ops.aten.tanh_backward(torch.tensor(g), torch.from_numpy(mine_y)).numpy()
    assert _same_bits(own, mine.grad.numpy()).all()
    if exact_math.available():
        assert _same_bits(expected, mine.grad.numpy()).all()
    # under create_graph the value is the same fused one, and the gradient's graph is recorded
    again = gtorch.tensor(x, requires_grad=True)
    (gx,) = gtorch.autograd.grad(gtorch.tanh(again), again, gtorch.tensor(g), create_graph=True)
    assert gx.requires_grad and _same_bits(own, gx.detach().numpy()).all()


@pytest.mark.parity
@pytest.mark.parametrize("n", [1, 3, 4, 5, 15, 16, 17, 40, 127, 1000, 4097, 32768, 32769, 100003, 300000])
def test_float64_sum_and_mean(n: int) -> None:
    torch = _real_torch()
    x = np.random.default_rng(n).normal(0, 1000, n)
    for name in ("sum", "mean"):
        ref = getattr(torch.from_numpy(x), name)().numpy()
        mine = getattr(gtorch.tensor(x), name)().numpy()
        assert ref.tobytes() == mine.tobytes(), name


@pytest.mark.parity
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(8, 5), (8, 3), (100, 7), (33, 8), (64, 16), (17, 32), (9, 40), (2, 1),
                                   (1, 5), (7, 3, 5), (4, 6, 33), (300, 130), (40000, 3)])
def test_sum_over_leading_dims(shape: tuple, dtype: str) -> None:
    """A bias's gradient: the sum of a contiguous gradient over its leading (batch) dims."""
    torch = _real_torch()
    x = np.random.default_rng(sum(shape)).normal(0, 100, shape).astype(dtype)
    for k in range(1, len(shape)):
        dims = tuple(range(k))
        for keepdim in (False, True):
            ref = torch.from_numpy(x).sum(dims, keepdim=keepdim).numpy()
            mine = gtorch.tensor(x).sum(dims, keepdim=keepdim).numpy()
            assert ref.shape == mine.shape and ref.tobytes() == mine.tobytes(), (dims, keepdim)


def test_without_mkl_the_numpy_kernels_run_unchanged() -> None:
    code = (
        "import numpy as np, gradsh.torch as t\n"
        "from gradsh.engine import exact_math\n"
        "x = np.linspace(-3, 3, 5000, dtype=np.float32)\n"
        "assert not exact_math.available(), exact_math.why_not()\n"
        "assert (t.tanh(t.tensor(x)).numpy() == np.tanh(x.astype(np.float64)).astype(np.float32)).all()\n"
        "assert (t.sqrt(t.tensor(x[x > 0])).numpy() == np.sqrt(x[x > 0])).all()\n"
        "for _ in range(2):  # small float32 inputs: the forward's own path (the first call looks for MKL)\n"
        "    assert (t.tanh(t.tensor(x[:4])).numpy() == np.tanh(x[:4].astype(np.float64)).astype(np.float32)).all()\n"
        "print(exact_math.why_not())\n"
    )
    env = dict(os.environ, GRADSH_EXACT="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "disabled by GRADSH_EXACT=0"


def test_another_mkl_release_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """mkl 2026 rounds differently from the MKL inside torch 2.13: the numpy kernels are kept instead."""
    from importlib import metadata

    monkeypatch.setattr(metadata, "distribution", lambda name: SimpleNamespace(version="2026.2.0", files=[]))
    monkeypatch.setattr(exact_math, "_state", {})
    assert exact_math._library_path() is None
    assert exact_math._state["why"] == "mkl 2026.2.0 is installed; PyTorch 2.13's bits need mkl==2024.2.0"


@needs_mkl
def test_empty_and_read_only_inputs() -> None:
    kernel = exact_math.vml("Exp")
    assert kernel(np.zeros((0, 3), np.float32)).shape == (0, 3)
    x = np.linspace(-1, 1, 7)
    x.flags.writeable = False
    assert np.allclose(kernel(x), np.exp(x), rtol=1e-15, atol=0)
    assert gtorch.exp(gtorch.zeros(0)).shape == (0,)
    scalar = kernel(np.float32(1.5))  # a numpy scalar, as a backward formula on a 0-d value passes it
    assert scalar.shape == () and scalar.dtype == np.float32 and abs(float(scalar) - np.exp(1.5)) < 1e-6


def test_the_fast_float32_one_minus_square_is_the_checked_fma() -> None:
    # unary._one_minus_square32 is 1 - y*y in double, rounded once to float32: the same bits as a checked fma
    from gradsh.engine.ops.unary import _one_minus_square32
    from gradsh.engine.random import _fma32

    rng = np.random.default_rng(3)
    cases = [np.tanh(rng.standard_normal(100_000) * scale).astype(np.float32) for scale in (1e-3, 1e-2, 1.0, 4.0)]
    # every float32 around 2**-12.5, where 1 - y*y comes nearest the float32 midpoint 1 - 2**-25
    low, high = np.float32(2**-12.6).view(np.uint32), np.float32(2**-12.4).view(np.uint32)
    cases.append(np.arange(low, high, dtype=np.uint32).view(np.float32))
    cases.append(np.array([0.0, -0.0, 1.0, -1.0, 2**-126, 2**-149], dtype=np.float32))
    cases.append(np.array(0.5, dtype=np.float32))  # 0-d: numpy's ufuncs give scalars there
    for y in cases:
        expected = _fma32(-y, y, np.float32(1)).reshape(y.shape)
        got = _one_minus_square32(y)
        assert got.shape == y.shape and got.dtype == np.float32
        assert got.view(np.uint32).tolist() == expected.view(np.uint32).tolist()


VML_NAMES = {"log": "Ln", "erfinv": "ErfInv"}  # MKL's names where they are not the op's, capitalised


@needs_mkl
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_small_inputs_computed_in_place_give_the_same_bits(dtype: str) -> None:
    """Inputs of up to _IN_PLACE_MAX elements go through MKL in place on a copy: the same bits as the
    separate-output path larger inputs take, for every op over its whole drawn range, in every layout."""
    limit = exact_math._IN_PLACE_MAX
    for i, op in enumerate(MKL_OPS):
        kernel = exact_math.vml(VML_NAMES.get(op, op.capitalize()))
        x = _draw(op, 1 << 15, np.random.default_rng(100 + i)).astype(dtype)
        whole = kernel(x)  # more than `limit` elements: the out-of-place path
        assert x.size > limit
        pieces = np.concatenate([kernel(x[k:k + limit]) for k in range(0, x.size, limit)])
        assert pieces.view(f"u{x.itemsize}").tolist() == whole.view(f"u{x.itemsize}").tolist(), op
        if dtype == "float32":  # the forward's small-float32 path calls the kernel directly once MKL was found
            for _ in range(2):
                mine = getattr(gtorch, op)(gtorch.tensor(x[:4])).numpy()
                assert mine.view(np.uint32).tolist() == whole[:4].view(np.uint32).tolist(), op
        square = x[: 30 * 30].reshape(30, 30)  # transposed and strided small inputs keep their layouts
        for small in (square.T, square[:, ::4], square[3, 3]):
            got = kernel(small)
            assert got.strides == np.empty_like(np.array(small, order="K")).strides
            assert got.view(f"u{x.itemsize}").tolist() == kernel(np.array(small, order="C")).view(
                f"u{x.itemsize}").tolist(), op


def test_one_minus_square_scratch_buffer_is_per_thread_and_never_leaks() -> None:
    """Large float32 inputs go through a per-thread float64 scratch buffer: results must not depend on what it
    held before (a larger input first, then a smaller one), on layout, or on another thread using its own."""
    import threading

    from gradsh.engine.ops import unary
    from gradsh.engine.random import _fma32

    rng = np.random.default_rng(11)

    def expected(y: np.ndarray) -> list:
        return _fma32(-y, y, np.float32(1)).reshape(y.shape).view(np.uint32).tolist()

    sizes = [unary._SCRATCH_MAX, unary._SCRATCH_MIN, 100_000, unary._SCRATCH_MAX + 1, unary._SCRATCH_MIN - 1]
    for n in sizes:  # in and out of the buffer's range, larger before smaller
        y = np.tanh(rng.standard_normal(n) * 3).astype(np.float32)
        got = unary._one_minus_square32(y)
        assert got.dtype == np.float32 and got.view(np.uint32).tolist() == expected(y)
    y = np.tanh(rng.standard_normal((400, 300))).astype(np.float32)
    for view in (y, y.T, y[:, ::2], y.reshape(300, 400)):  # layouts: the result keeps the input's
        got = unary._one_minus_square32(view)
        assert got.view(np.uint32).tolist() == expected(np.ascontiguousarray(view))
        assert got.strides == view.astype(np.float32, order="K").strides

    results: dict = {}

    def work(k: int) -> None:
        ys = [np.tanh(np.random.default_rng(k).standard_normal(60_000)).astype(np.float32) for _ in range(3)]
        results[k] = all(unary._one_minus_square32(v).view(np.uint32).tolist() == expected(v) for v in ys * 5)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == dict.fromkeys(range(4), True)
