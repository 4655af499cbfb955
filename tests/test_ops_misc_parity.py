"""torch.masked, torch.signal.windows and the misc ops of the ops-misc branch against real PyTorch.

Values, dtypes, grad_fn names and error texts; exact equality where gradsh reproduces PyTorch's
arithmetic (logspace, arange, integer pow and shifts), PyTorch's assert_close tolerance elsewhere.
Gradients of the differentiable ones are in tests/op_cases.py (gradcheck and parity). Skipped without torch.
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from gradsh import torch as G

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity


def same(ref: Any, got: Any, exact: bool = False) -> None:
    """ref (torch) and got (gradsh) hold the same values, dtype and shape."""
    if isinstance(ref, (tuple, list)):
        assert len(ref) == len(got)
        for r, g in zip(ref, got):
            same(r, g, exact)
        return
    assert str(got.dtype) == str(ref.dtype)
    assert tuple(got.shape) == tuple(ref.shape)
    r, g = ref.detach().numpy(), got.detach().numpy()
    if exact:
        assert np.array_equal(r, g, equal_nan=True), (r, g)
    else:
        torch.testing.assert_close(torch.from_numpy(np.array(g)), torch.from_numpy(np.array(r)), equal_nan=True)


def both(fn: Any) -> tuple[Any, Any]:
    return fn(torch), fn(G)


def raises_alike(fn: Any) -> None:
    with pytest.raises(Exception) as ref:
        fn(torch)
    with pytest.raises(Exception) as got:
        fn(G)
    assert type(got.value).__name__ == type(ref.value).__name__
    assert str(got.value) == str(ref.value)


def data(T: Any, dtype: str = "float64") -> Any:
    rng = np.random.default_rng(3)
    return T.tensor(rng.standard_normal((3, 4)), dtype=getattr(T, dtype))


def mask(T: Any) -> Any:
    return T.tensor([[True, False, True, True], [False, False, False, False], [True, True, False, True]])


# ----- torch.masked --------------------------------------------------------------------------------

REDUCTIONS = ["sum", "prod", "amax", "amin", "mean", "logsumexp", "norm", "var", "std", "median", "argmax", "argmin"]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_masked_reductions(name: str, dtype: str) -> None:
    def run(T: Any) -> Any:
        x = data(T, dtype).requires_grad_(name not in ("argmax", "argmin", "median"))
        fn = getattr(T.masked, name)
        return fn(x, 2.0, 1, mask=mask(T)) if name == "norm" else fn(x, 1, mask=mask(T))

    ref, got = both(run)
    same(ref, got)
    assert type(got.grad_fn).__name__ == (type(ref.grad_fn).__name__ if ref.grad_fn is not None else "NoneType")


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin", "cumsum", "cumprod"])
def test_masked_normalizations(name: str) -> None:
    ref, got = both(lambda T: getattr(T.masked, name)(data(T).requires_grad_(), 1, mask=mask(T)))
    same(ref, got)
    assert type(got.grad_fn).__name__ == ref.grad_fn.name()


def test_masked_with_a_broadcast_mask_and_without_one() -> None:
    same(*both(lambda T: T.masked.sum(data(T), (0, 1), keepdim=True, mask=T.tensor([True, False, True, False]))))
    same(*both(lambda T: T.masked.mean(data(T), 0)))
    same(*both(lambda T: T.masked.var(data(T), 1, unbiased=False, mask=mask(T))))
    same(*both(lambda T: T.masked.logaddexp(data(T), data(T) * 2, input_mask=mask(T), other_mask=~mask(T))))
    same(*both(lambda T: T.masked.normalize(data(T), 1.0, 0, mask=mask(T))))
    same(*both(lambda T: T.masked.sum(T.tensor([[1, 2], [3, 4]]), 1, mask=T.tensor([[True, False], [True, True]]))),
         exact=True)


def test_masked_errors() -> None:
    raises_alike(lambda T: T.masked.mean(T.tensor([1, 2]), 0))
    raises_alike(lambda T: T.masked.sum(data(T), (1, 1), mask=mask(T)))
    raises_alike(lambda T: T.masked.sum(data(T), 2, mask=mask(T)))
    raises_alike(lambda T: T.masked.sum(data(T), 1, mask=T.ones(2, 3, 4, dtype=T.bool)))


def test_masked_fully_masked_rows_pass_no_nan_to_the_input_gradient() -> None:
    """WhereBackward0 fills the side not taken with 0: the nan of an all-masked softmax row stays out."""
    for T in (torch, G):
        x = data(T).requires_grad_()
        y = T.masked.softmax(x, 1, mask=mask(T))
        (g,) = T.autograd.grad(y[0].sum() + y[2].sum(), x)
        assert not np.isnan(g.numpy()).any()


# ----- torch.signal.windows -----------------------------------------------------------------------

WINDOWS = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "hamming", "hann", "kaiser", "nuttall"]


@pytest.mark.parametrize("name", WINDOWS)
def test_windows(name: str) -> None:
    for m in (0, 1, 2, 7, 16):
        for sym in (True, False):
            for dtype in ("float32", "float64"):
                same(*both(lambda T, m=m, sym=sym, dt=dtype: getattr(T.signal.windows, name)(m, sym=sym,
                                                                                             dtype=getattr(T, dt))))


def test_windows_with_parameters_and_errors() -> None:
    same(*both(lambda T: T.signal.windows.general_cosine(9, a=[0.5, 0.3, 0.2], sym=False)))
    same(*both(lambda T: T.signal.windows.general_hamming(8, alpha=0.6)))
    same(*both(lambda T: T.signal.windows.exponential(7, center=2.0, tau=0.5, sym=False)))
    same(*both(lambda T: T.signal.windows.kaiser(9, beta=3.0, dtype=T.float64)))
    same(*both(lambda T: T.signal.windows.gaussian(6, std=0.7, requires_grad=True)))
    raises_alike(lambda T: T.signal.windows.hann(-1))
    raises_alike(lambda T: T.signal.windows.cosine(3, dtype=T.int64))
    raises_alike(lambda T: T.signal.windows.exponential(3, center=1.0))
    raises_alike(lambda T: T.signal.windows.general_cosine(3, a=[]))


# ----- factories: logspace, empty_permuted, empty_strided -------------------------------------------

def test_logspace_is_exact() -> None:
    rng = random.Random(1)
    for _ in range(600):
        dtype = rng.choice(["float32", "float64", "int64"])
        if dtype == "int64":
            args = (rng.randint(-2, 4), rng.randint(0, 6), rng.randint(0, 20), rng.choice([2.0, 3.0, 10.0]))
        else:
            args = (rng.uniform(-5, 5), rng.uniform(-5, 5), rng.randint(0, 40), rng.choice([10.0, 2.0, 3.5, 0.5]))
        same(*both(lambda T, args=args, dt=dtype: T.logspace(*args, dtype=getattr(T, dt))), exact=True)
    same(*both(lambda T: T.logspace(T.tensor(0.5), T.tensor(2.0), 5)), exact=True)
    same(*both(lambda T: T.logspace(1, 3, 1)), exact=True)
    raises_alike(lambda T: T.logspace(0, 1, -1))


def test_empty_permuted_and_strided() -> None:
    ref, got = both(lambda T: T.empty_permuted((2, 3, 4), (2, 0, 1), dtype=T.float64, requires_grad=True))
    assert tuple(got.shape) == tuple(ref.shape) and got.requires_grad and str(got.dtype) == str(ref.dtype)
    raises_alike(lambda T: T.empty_permuted((2, 3), (0,)))
    assert tuple(G.empty_strided((), ()).shape) == ()
    assert tuple(G.ones(2).new_empty_strided((3, 2), (1, 3)).shape) == (3, 2)


def test_arange_into_integer_dtypes_truncates() -> None:
    for args in [(0.0, -8.000001, -4.0), (0.5, 5.7, 1.5), (-3.7, 4.2, 2.9), (0, 1, 0.5)]:
        for dtype in ("int64", "int32", "int16"):
            try:
                ref = torch.arange(*args, dtype=getattr(torch, dtype))
            except (RuntimeError, ValueError):
                raises_alike(lambda T, args=args, dtype=dtype: T.arange(*args, dtype=getattr(T, dtype)))
                continue
            same(ref, G.arange(*args, dtype=getattr(G, dtype)), exact=True)


# ----- composite ops ------------------------------------------------------------------------------

def test_gradient_forms_and_errors() -> None:
    for kwargs in ({}, {"spacing": 2}, {"spacing": [1.5, 2.0]}, {"dim": 1, "edge_order": 2},
                   {"spacing": (lambda T: (T.tensor([0.0, 1.0, 3.0]),)), "dim": 0}):
        def run(T: Any, kwargs: dict = kwargs) -> Any:
            k = {key: (v(T) if callable(v) else v) for key, v in kwargs.items()}
            return T.gradient(data(T)[:, :3] if "dim" in k and k["dim"] == 0 else data(T), **k)

        same(*both(run))
    same(*both(lambda T: T.gradient(T.tensor([[1, 4, 9], [2, 3, 7]]))))
    raises_alike(lambda T: T.gradient(data(T), edge_order=3))
    raises_alike(lambda T: T.gradient(data(T), spacing=[1.0]))
    raises_alike(lambda T: T.gradient(T.ones(2, 2), edge_order=2))


@pytest.mark.parametrize("p", [0.0, 1.0, 1.5, 2.0, 3.0, 0.5, math.inf])
def test_cdist(p: float) -> None:
    def run(T: Any) -> Any:
        rng = np.random.default_rng(5)
        a = T.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
        b = T.tensor(rng.standard_normal((1, 5, 4)), requires_grad=True)
        out = T.cdist(a, b, p, compute_mode="donot_use_mm_for_euclid_dist")
        return (out, *T.autograd.grad(out, (a, b), T.ones_like(out)))

    ref, got = both(run)
    same(ref, got)
    assert type(got[0].grad_fn).__name__ == "CdistBackward0"
    raises_alike(lambda T: T.cdist(T.ones(3), T.ones(2, 3)))
    raises_alike(lambda T: T.cdist(T.ones(2, 3), T.ones(2, 4)))


def test_histogramdd() -> None:
    def rows(T: Any) -> Any:
        return T.tensor(np.random.default_rng(2).standard_normal((20, 2)), dtype=T.float32)

    for bins in (3, [2, 4]):
        for kwargs in ({}, {"density": True}, {"range": [-1.0, 1.0, -2.0, 2.0]}):
            same(*both(lambda T, bins=bins, kwargs=kwargs: tuple(T.histogramdd(rows(T), bins, **kwargs)[0:1])))
            same(*both(lambda T, bins=bins, kwargs=kwargs: T.histogramdd(rows(T), bins, **kwargs)[1]))
    same(*both(lambda T: T.histogramdd(rows(T), [T.tensor([-1.0, 0.0, 2.0]), T.tensor([-3.0, 3.0])],
                                       weight=T.arange(20.0)).hist))


def test_chunk_cat_and_segment_reduce() -> None:
    same(*both(lambda T: T._chunk_cat([T.arange(6.0).reshape(1, 2, 3), T.arange(10.0).reshape(1, 2, 5)], -1, 4)),
         exact=True)
    same(*both(lambda T: T._chunk_cat([T.ones(2, 3, dtype=T.int64), T.ones(2, 5, dtype=T.int64)], 0, 2)), exact=True)
    for reduce in ("sum", "mean", "max", "min", "prod"):
        for initial in (None, 2.0):
            same(*both(lambda T, r=reduce, i=initial: T.segment_reduce(
                T.tensor([1.0, 2.0, 2.0, 0.0, 3.0, -1.0]), r, lengths=T.tensor([0, 3, 2, 1]), initial=i)))
    same(*both(lambda T: T.segment_reduce(T.arange(12.0).reshape(4, 3), "max", offsets=T.tensor([0, 1, 4]))))
    raises_alike(lambda T: T.segment_reduce(T.ones(3, 4), "sum", lengths=T.tensor([1, 2]), axis=1))


def test_aten_only_ops() -> None:
    ref, got = both(lambda T: T.ops.aten.slice.Tensor(data(T).requires_grad_(), 1, -3, None, 2))
    same(ref, got)
    assert type(got.grad_fn).__name__ == "SliceBackward0"
    x = [[1.0, -math.inf], [-math.inf, -math.inf]]
    ref, got = both(lambda T: T.ops.aten._safe_softmax.default(T.tensor(x, requires_grad=True), 1))
    same(ref, got)
    assert type(got.grad_fn).__name__ == "SafeSoftmaxBackward0"
    ref, got = both(lambda T: T.ops.aten._softmax_backward_data(data(T).requires_grad_(), data(T).softmax(1), 1,
                                                                T.float64))
    same(ref, got)
    assert type(got.grad_fn).__name__ == "SoftmaxBackwardDataBackward0"


# ----- integer ops ----------------------------------------------------------------------------------

def test_integer_powers_with_negative_exponents() -> None:
    base = [-3, -1, 0, 1, 2, 5]
    same(*both(lambda T: T.tensor(base) ** T.tensor([-1, -2, -3, -2, -1, 2])), exact=True)
    same(*both(lambda T: 6 ** T.tensor([-8, 0, 2])), exact=True)
    same(*both(lambda T: (-1) ** T.tensor([-3, -2])), exact=True)


def test_shifts() -> None:
    x = [1, -2, 7, -9]
    for amount in ([0, 1, 63, 64], [70, -1, 3, 65], 2):
        same(*both(lambda T, a=amount: T.bitwise_left_shift(T.tensor(x), T.tensor(a) if isinstance(a, list) else a)),
             exact=True)
        same(*both(lambda T, a=amount: T.bitwise_right_shift(T.tensor(x), T.tensor(a) if isinstance(a, list) else a)),
             exact=True)
    same(*both(lambda T: T.tensor(x, dtype=T.int32) << 31), exact=True)
    same(*both(lambda T: T.tensor(x) >> 1), exact=True)


def test_triangle_indices_and_unravel_index() -> None:
    for args in [(3, 3), (3, 4, -1), (4, 3, 2), (0, 3), (5, 2, -7)]:
        same(*both(lambda T, a=args: T.tril_indices(*a)), exact=True)
        same(*both(lambda T, a=args: T.triu_indices(*a)), exact=True)
    same(*both(lambda T: T.tril_indices(3, 3, dtype=T.int32)), exact=True)
    same(*both(lambda T: T.unravel_index(T.tensor([5, 7, 12, -1]), (3, 4))), exact=True)
    same(*both(lambda T: T.unravel_index(T.tensor(5), 7)), exact=True)
    raises_alike(lambda T: T.unravel_index(T.tensor([1.0]), (3, 4)))


def test_sign_of_bool_is_the_identity() -> None:
    same(*both(lambda T: T.sign(T.tensor([True, False]))), exact=True)


# ----- partial entries fixed -----------------------------------------------------------------------

def test_partials() -> None:
    same(*both(lambda T: T.tensor([2.2, 1e-3]).bfloat16()[0].float()), exact=True)
    assert str(G.tensor(2.2).bfloat16().dtype) == "torch.bfloat16" and tuple(G.tensor(2.2).bfloat16().shape) == ()
    ref, got = both(lambda T: T.cat([T.ones(0, requires_grad=True), T.ones(2, 2, requires_grad=True)], 1))
    for T, out in ((torch, ref), (G, got)):
        leaves = [n[0].variable for n in out.grad_fn.next_functions]
        grads = T.autograd.grad(out.sum(), leaves)
        assert [tuple(g.shape) for g in grads] == [(0,), (2, 2)]
    same(*both(lambda T: T.scatter(T.tensor(1.0), 0, T.tensor(0), T.tensor(5.0))), exact=True)
    same(*both(lambda T: T.nn.functional.cosine_similarity(T.tensor(1.0), T.tensor(2.0), 0)))


def test_masked_fill_with_a_tensor_value() -> None:
    def run(T: Any) -> Any:
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = T.tensor(5.0, requires_grad=True)
        out = x.masked_fill(T.tensor([[True, False, True], [False, False, True]]), v)
        return (out, *T.autograd.grad(out, (x, v), T.ones_like(out)))

    ref, got = both(run)
    same(ref, got)
    assert type(got[0].grad_fn).__name__ == ref[0].grad_fn.name() == "MaskedFillBackward1"


# ----- ties: which of equal values PyTorch's sort and mode put where --------------------------------

def test_sort_argsort_and_mode_place_equal_values_as_pytorch() -> None:
    """PyTorch's non-stable CPU sort and its mode use libstdc++'s std::sort (ops/stdsort.py)."""
    rng = np.random.default_rng(4)
    for n in (3, 17, 100, 1000, 8000):
        ints = rng.integers(0, 6, (2, n))
        floats = np.where(ints == 5, np.nan, ints).astype(np.float32)
        for desc in (False, True):
            same(*both(lambda T, f=floats, d=desc: T.sort(T.tensor(f), 1, descending=d)), exact=True)
            same(*both(lambda T, i=ints, d=desc: T.argsort(T.tensor(i), 0, descending=d)), exact=True)
        same(*both(lambda T, i=ints: T.sort(T.tensor(i[0] > 2))), exact=True)
        same(*both(lambda T, i=ints: T.sort(T.tensor(i[0] > 2), stable=True)), exact=True)
        same(*both(lambda T, i=ints: T.mode(T.tensor(i), 1)), exact=True)
        same(*both(lambda T, i=ints: T.msort(T.tensor(i.T))), exact=True)


def test_kthvalue_picks_among_equal_values_as_pytorch() -> None:
    """ATen's quickselect decides which equal element's index kthvalue reports (ops/quickselect.py)."""
    rng = np.random.default_rng(6)
    for n in (1, 2, 5, 31, 200):
        x = rng.integers(0, 4, (3, n)).astype(np.float64)
        x[x == 3] = np.nan
        for k in sorted({1, (n + 1) // 2, n}):
            same(*both(lambda T, x=x, k=k: T.kthvalue(T.tensor(x), k, 1)), exact=True)
            same(*both(lambda T, x=x, k=k: T.kthvalue(T.tensor(x.astype(np.int64) * 0 + 1), k, 1)), exact=True)


def test_as_strided_scatter_gradient_is_pytorchs() -> None:
    """PyTorch 2.13 gives the input the slice's gradient (zeros elsewhere), and src the slice's too."""
    def run(T: Any) -> Any:
        x = T.zeros(2, 3, dtype=T.float64, requires_grad=True)
        s = T.zeros(2, dtype=T.float64, requires_grad=True)
        out = T.as_strided_scatter(x, s, (2,), (3,), 1)
        return T.autograd.grad(out, (x, s), T.arange(1.0, 7.0, dtype=T.float64).reshape(2, 3))

    same(*both(run), exact=True)
