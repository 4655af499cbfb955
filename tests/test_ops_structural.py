"""Non-differentiable results of the structural op families (statistics, sorting, shapes, scatter) against
real PyTorch: integer and bool outputs, indices, tuples, exact equality. The differentiable ones run in
op_cases.py (gradcheck and parity)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

RNG = np.random.default_rng(7)
FLOATS = np.round(RNG.uniform(-3, 3, (4, 6)), 1)  # rounded: ties and repeats on purpose
INTS = RNG.integers(0, 5, (4, 6))
WITH_NAN = np.where(RNG.uniform(size=(4, 6)) < 0.2, np.nan, FLOATS)
DISTINCT = RNG.uniform(-3, 3, (4, 6))  # where the index among equal values is PyTorch's quickselect's choice

CALLS: dict[str, Any] = {
    "all_dim": lambda T: T.all(T.tensor(INTS) > 0, 1),
    "any_all": lambda T: T.any(T.tensor(INTS) > 3),
    "all_uint8": lambda T: T.tensor(INTS, dtype=T.uint8).all(0),
    "count_nonzero_dim": lambda T: T.count_nonzero(T.tensor(INTS), dim=(0, 1)),
    "median_nan": lambda T: T.median(T.tensor(WITH_NAN), 1),
    "nanmedian_nan": lambda T: T.nanmedian(T.tensor(WITH_NAN), 1),
    "nanmedian_all": lambda T: T.nanmedian(T.tensor(WITH_NAN)),
    "mode_ties": lambda T: T.mode(T.tensor(INTS), 1),
    "nansum_int": lambda T: T.nansum(T.tensor(INTS)),
    "unique_all": lambda T: T.unique(T.tensor(INTS), return_inverse=True, return_counts=True),
    "unique_dim": lambda T: T.unique(T.tensor(INTS % 2), dim=1),
    "unique_consecutive": lambda T: T.unique_consecutive(T.tensor([1, 1, 2, 2, 3, 1, 1]), return_counts=True,
                                                         return_inverse=True),
    "histc": lambda T: T.histc(T.tensor(FLOATS, dtype=T.float32), bins=5),
    "histc_range": lambda T: T.histc(T.tensor(FLOATS), bins=4, min=-1, max=1),
    "bincount": lambda T: T.bincount(T.tensor(INTS[0]), minlength=7),
    "bincount_weights": lambda T: T.bincount(T.tensor(INTS[0]), T.tensor(FLOATS[0], dtype=T.float32)),
    "cummax_ties_nan": lambda T: T.cummax(T.tensor([1.0, 3, 3, 2, np.nan, 5, np.nan]), 0),
    "cummin_int": lambda T: T.cummin(T.tensor(INTS), 1),
    "cumprod_int": lambda T: T.cumprod(T.tensor(INTS), 0),
    "diff_bool": lambda T: T.diff(T.tensor(INTS) > 2, dim=0),
    "sort_nan_descending": lambda T: T.sort(T.tensor(WITH_NAN), descending=True),
    "sort_ties_stable": lambda T: T.sort(T.tensor(INTS), dim=0, stable=True),
    "argsort_ties": lambda T: T.argsort(T.tensor(INTS), dim=1, descending=True),
    "kthvalue_distinct": lambda T: T.kthvalue(T.tensor(DISTINCT), 5, 1),
    "searchsorted_rows": lambda T: T.searchsorted(T.sort(T.tensor(FLOATS)).values, T.tensor(FLOATS[:, :2]),
                                                  right=True),
    "searchsorted_scalar": lambda T: T.searchsorted(T.tensor([1.0, 2.0, 2.0, 5.0]), 2.0, side="right"),
    "searchsorted_sorter": lambda T: T.searchsorted(T.tensor([3, 1, 2]), T.tensor([2]), sorter=T.tensor([1, 2, 0])),
    "bucketize_int32": lambda T: T.bucketize(T.tensor(FLOATS), T.tensor([-1.0, 0.0, 1.0]), out_int32=True),
    "flip_int": lambda T: T.flip(T.tensor(INTS), (0, 1)),
    "roll_bool": lambda T: T.roll(T.tensor(INTS) > 2, 2, 1),
    "tril_int": lambda T: T.tril(T.tensor(INTS), 1),
    "triu_inplace": lambda T: T.tensor(FLOATS).triu_(-1),
    "unfold_is_view": lambda T: _after_base_change(T, lambda x: x.unfold(0, 3, 2)),
    "as_strided_is_view": lambda T: _after_base_change(T, lambda x: T.as_strided(x, (2, 2), (1, 2), 1)),
    "broadcast_shapes": lambda T: T.broadcast_shapes((2, 1), (3,), 1),
    "tensor_split_tensor": lambda T: T.tensor_split(T.tensor(INTS), T.tensor([1, 4]), 1),
    "error_fliplr_1d": lambda T: T.fliplr(T.tensor([1.0, 2.0])),
    "error_rot90_dims": lambda T: T.rot90(T.tensor(FLOATS), 1, (0, 0)),
    "error_hsplit_sections": lambda T: T.hsplit(T.tensor(FLOATS), 4),
    "error_unfold_size": lambda T: T.tensor(FLOATS).unfold(0, 9, 1),
    "scatter_reduce_int_mean": lambda T: T.tensor([-5, 7, 9]).scatter_reduce(0, T.tensor([0, 0]), T.tensor([-2, -3]),
                                                                             "mean"),
    "scatter_reduce_amax_excl": lambda T: T.tensor(INTS).scatter_reduce(1, T.tensor(INTS[:, :3] % 6), T.tensor(INTS),
                                                                        "amax", include_self=False),
    "index_reduce_bool": lambda T: (T.tensor(INTS) > 2).index_reduce(0, T.tensor([1, 3]), T.tensor(INTS[:2]) > 1,
                                                                      "amin"),
    "index_fill_negative": lambda T: T.tensor(INTS).index_fill(1, T.tensor([-1, 0]), -7),
    "index_put_bool_mask": lambda T: T.tensor(INTS).index_put((T.tensor(INTS) > 2,), T.tensor(0)),
    "put_inplace": lambda T: T.tensor(INTS).put_(T.tensor([0, 23]), T.tensor([9, 9])),
    "masked_scatter_inplace": lambda T: T.tensor(INTS).masked_scatter_(T.tensor(INTS) > 3, T.tensor(INTS) * 100),
    "error_take_range": lambda T: T.take(T.tensor(FLOATS), T.tensor([24])),
    "error_index_copy_range": lambda T: T.tensor(FLOATS).index_copy(0, T.tensor([4]), T.tensor(FLOATS[:1])),
    "quantile_nan": lambda T: T.quantile(T.tensor(WITH_NAN), T.tensor([0.1, 0.5, 1.0], dtype=T.float64), dim=1),
    "nanquantile_interpolations": lambda T: [T.nanquantile(T.tensor(WITH_NAN), 0.4, dim=0, interpolation=m)
                                             for m in ("lower", "higher", "midpoint", "nearest")],  # linear: FMA
    "error_quantile_q": lambda T: T.quantile(T.tensor(FLOATS), 1.5),
    "histogram_bins": lambda T: T.histogram(T.tensor(FLOATS, dtype=T.float32), 7),
    "histogram_weighted_density": lambda T: T.histogram(T.tensor(FLOATS), T.tensor([-3.0, -1.0, 0.0, 2.5],
                                                                                   dtype=T.float64),
                                                        weight=T.tensor(DISTINCT), density=True),
    "error_histogram_bins_dtype": lambda T: T.histogram(T.tensor(FLOATS), T.tensor([-3.0, 0.0, 2.5])),
    "repeat_interleave_counts": lambda T: T.repeat_interleave(T.tensor([2, 0, 3])),
    "repeat_interleave_int_flat": lambda T: T.repeat_interleave(T.tensor(INTS), 2),
    "sum_to_size_bool_0d": lambda T: T.tensor(True).sum_to_size(()),
    "error_sum_to_size": lambda T: T.tensor(FLOATS).sum_to_size(3),
    "positive_error_bool": lambda T: T.positive(T.tensor([True])),
    "scalar_tensor": lambda T: [T.scalar_tensor(True), T.scalar_tensor(2, dtype=T.int64)],
    "resize_grow_shrink": lambda T: [T.tensor(INTS).resize_(2, 3), T.tensor([1, 2]).resize_as_(T.ones(1))],
    "error_resize_requires_grad": lambda T: T.ones(2, requires_grad=True).resize_(3),
    "zero_function": lambda T: T.zero_(T.tensor(FLOATS)),
    "argwhere_0d": lambda T: [T.argwhere(T.tensor(3.0)), T.argwhere(T.tensor(INTS) > 3)],
    "nonzero_static_pad": lambda T: T.nonzero_static(T.tensor(INTS) > 3, size=30, fill_value=-7),
    "isin_scalar_invert": lambda T: [T.isin(T.tensor(INTS), T.tensor([1, 3]), invert=True), T.isin(2, T.tensor([2]))],
    "aminmax_int": lambda T: T.aminmax(T.tensor(INTS), dim=0, keepdim=True),
}


def _after_base_change(T: Any, view: Any) -> Any:
    base = T.arange(7.0)
    seen = view(base)
    base.mul_(10)  # a view sees the change
    return seen


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [type(value).__name__ if type(value).__name__ not in ("tuple", "list") else "seq",
                [_plain(v) for v in value]]
    if hasattr(value, "numpy"):
        return (str(value.dtype), tuple(value.shape), value.detach().numpy().tolist())
    return value


def _call(T: Any, name: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _plain(CALLS[name](T))
        except Exception as e:  # noqa: BLE001 - the same exception type and first line as PyTorch's
            return type(e).__name__, str(e).splitlines()[0]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_matches_pytorch(name: str) -> None:
    expected, got = _call(torch_real, name), _call(gtorch, name)
    assert repr(got) == repr(expected)  # repr: NaN equal to NaN, exact otherwise
