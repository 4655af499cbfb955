"""Reductions and statistics beyond sum/mean/max: all/any, medians, mode, nan-reductions, var_mean,
cov/corrcoef, unique, histc, bincount, count_nonzero, aminmax, and the scans cumprod, cummax/cummin,
logcumsumexp, diff."""

from __future__ import annotations

import builtins
import operator
import warnings
from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import no_grad
from ..grad_mode import state as _grad_state
from ..registry import op
from ..tensor import Tensor
from ._core import result
from ._struct import long, needs_grad, record, with_tuple_out, wrap_dim
from .aten import div_scalar, mul_scalar
from .binary_math import complex_logaddexp
from .complex_ops import complex as complex_from_parts
from .elementwise import where
from .indexing import _gather_key, embed
from .joining import cat, stack
from .reduction import _dims, _restore, _var, return_type
from .stdsort import std_sort_order

_median_type, _mode_type = return_type("median"), return_type("mode")
_nanmedian_type = return_type("nanmedian")
_cummax_type, _cummin_type = return_type("cummax"), return_type("cummin")


class _MinMaxBase(tuple):
    """torch.return_types.aminmax(min=..., max=...)."""

    __slots__ = ()

    @property
    def min(self) -> Tensor:
        return self[0]

    @property
    def max(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        return f"torch.return_types.aminmax(\nmin={self[0]!r},\nmax={self[1]!r})"


_MinMax = type("aminmax", (_MinMaxBase,), {"__slots__": ()})


def _reduce_dims(x: Tensor, dim: Any) -> tuple:
    return _dims(dim, x._data.ndim) if x._data.ndim else ()


def select_backward(shape: tuple, d: int, keepdim: bool, indices: np.ndarray) -> Any:
    """The backward of a values/indices reduction along `d`: the gradient goes to the chosen element."""

    def backward(grads: list) -> tuple:
        g, idx = grads[0], indices
        if not shape:
            return (g.reshape(()),)
        if not keepdim:
            g, idx = g.unsqueeze(d), np.expand_dims(idx, d)
        return (embed(g, shape, _gather_key(idx, d)),)

    return backward


def values_indices(x: Tensor, values: np.ndarray, indices: np.ndarray, d: int, keepdim: bool,
                   node: str, kind: type) -> Any:
    """Package a values/indices reduction along dim `d` (indices taken with keepdim)."""
    if not keepdim or not x._data.ndim:
        values, indices = np.squeeze(values, d), np.squeeze(indices, d)
    out = result(values, x.dtype)
    idx = long(indices)
    if needs_grad(x):
        record(out, node, (x,), select_backward(x._data.shape, d, keepdim, idx._data))
    return kind(out, idx)


def _along(x: Tensor, dim: Any) -> tuple:
    """x's data with at least one dim, and the wrapped dim."""
    data = x._data if x._data.ndim else x._data.reshape(1)
    return data, wrap_dim(dim, x._data.ndim)


# ----- all / any / count_nonzero -----------------------------------------------------------------

def _logical_reduce(x: Tensor, dim: Any, keepdim: bool, fn: Any) -> Tensor:
    dims = _reduce_dims(x, dim)
    data = fn(x._data.astype(bool), axis=dims, keepdims=keepdim) if dims or dim is None else x._data.astype(bool)
    if x.dtype is dtypes.uint8:  # PyTorch keeps uint8 for uint8 inputs
        return result(np.asarray(data, dtype=np.uint8), dtypes.uint8)
    return result(np.asarray(data, dtype=np.bool_), dtypes.bool_)


@op("all", out=True)
def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    return _logical_reduce(input, dim, keepdim, np.all)


@op("any", out=True)
def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    return _logical_reduce(input, dim, keepdim, np.any)


@op("count_nonzero")
def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    dims = _reduce_dims(input, dim)
    return long(np.count_nonzero(input._data, axis=dims) if dims else np.count_nonzero(input._data))


# ----- aminmax ------------------------------------------------------------------------------------

def aminmax(input: Tensor, *, dim: Any = None, keepdim: bool = False) -> Any:
    if dim is None and input._data.size == 0:
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.")
    data = input._data
    dims = _reduce_dims(input, dim)
    if dim is not None and input._data.ndim and data.shape[dims[0]] == 0:
        raise RuntimeError(
            "aminmax(): Expected reduction dim " f"{dims[0]} to have non-zero size.")
    lo = data.min(axis=dims, keepdims=keepdim and dim is not None) if data.ndim else data.copy()
    hi = data.max(axis=dims, keepdims=keepdim and dim is not None) if data.ndim else data.copy()
    mn, mx = result(lo, input.dtype), result(hi, input.dtype)
    if needs_grad(input):
        shape, keep = data.shape, keepdim and dim is not None

        def backward(grads: list, x: Tensor) -> tuple:
            total = None
            for g, v in zip(grads, (mn, mx)):
                if g is None:
                    continue
                ref = v._data if keep or not shape else np.expand_dims(v._data, dims)
                mask = (x._data == ref) | (np.isnan(x._data) & np.isnan(ref))
                share = Tensor._wrap((mask / mask.sum(axis=dims, keepdims=True)).astype(x._data.dtype), x.dtype)
                part = _restore(g, shape, dims, keep) * share
                total = part if total is None else total + part
            return (total,)

        record((mn, mx), "AminmaxBackward0", (input,), backward, keep=(input,))
    return _MinMax((mn, mx))


# ----- median / nanmedian / mode ------------------------------------------------------------------

def _evenly(x: Tensor, out: Tensor) -> Any:
    def backward(grads: list) -> tuple:
        v = out._data
        mask = (x._data == v) | (np.isnan(x._data) & np.isnan(v))
        share = (mask / builtins.max(int(mask.sum()), 1)).astype(x._data.dtype)
        return (grads[0] * Tensor._wrap(share, x.dtype),)

    return backward


def _median_all(x: Tensor, ignore_nan: bool, node: str) -> Tensor:
    flat = x._data.reshape(-1)
    if flat.size == 0:
        out = result(np.array(np.nan), x.dtype)
    else:
        nans = np.isnan(flat) if x.dtype.is_floating_point else np.zeros(flat.shape, bool)
        valid = np.sort(flat[~nans]) if ignore_nan else np.sort(flat)
        if (nans.any() and not ignore_nan) or valid.size == 0:
            value = np.array(np.nan)
        else:
            value = valid[(valid.size - 1) // 2]
        out = result(np.asarray(value), x.dtype)
    if needs_grad(x):
        record(out, node, (x,), _evenly(x, out))
    return out


def _median_dim(x: Tensor, dim: int, keepdim: bool, ignore_nan: bool, node: str, kind: type) -> Any:
    data, d = _along(x, dim)
    if data.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    order = np.argsort(data, axis=d, kind="stable")  # NaN sorts last
    nans = np.isnan(data) if data.dtype.kind == "f" else np.zeros(data.shape, bool)
    count = data.shape[d] - nans.sum(axis=d, keepdims=True)
    if ignore_nan:
        k = np.where(count > 0, (count - 1) // 2, 0)
    else:
        k = np.where(count < data.shape[d], count, (data.shape[d] - 1) // 2)  # a NaN: the first NaN
    idx = np.take_along_axis(order, k, axis=d)
    values = np.take_along_axis(data, idx, axis=d)
    return values_indices(x, values, idx, d, keepdim, node, kind)


def median(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    if dim is None:
        return _median_all(input, False, "MedianBackward0")
    return _median_dim(input, dim, keepdim, False, "MedianBackward1", _median_type)


def nanmedian(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    if dim is None:
        return _median_all(input, True, "NanmedianBackward0")
    return _median_dim(input, dim, keepdim, True, "NanmedianBackward1", _nanmedian_type)


_MODE_EMULATED = 200_000  # elements: a larger input takes the mode's last position (the emulation is pure Python)


def _mode_index(row: np.ndarray, hits: np.ndarray) -> int:
    """The position std::sort (comparing values with <) leaves last among the mode's elements."""
    order = std_sort_order(row.tolist(), operator.lt)
    return order[max(k for k, j in enumerate(order) if hits[j])]


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:
    data, d = _along(input, dim)
    moved = np.moveaxis(data, d, -1)
    rows = moved.reshape(-1, moved.shape[-1]) if moved.shape[-1] else moved.reshape(-1, 0)
    values = np.empty(rows.shape[0], data.dtype)
    indices = np.empty(rows.shape[0], np.int64)
    for i, row in enumerate(rows):
        # the most frequent value, the smallest among equally frequent ones; its index is the one
        # libstdc++'s std::sort of (value, index) pairs leaves last in the value's run (ATen's mode)
        uniq, counts = np.unique(row, return_counts=True)
        best = uniq[np.argmax(counts)]
        values[i] = best
        hits = row == best
        if data.dtype.kind == "f" and np.isnan(best):
            hits = np.isnan(row)
        indices[i] = _mode_index(row, hits) if rows.size <= _MODE_EMULATED else np.flatnonzero(hits)[-1]
    shape = moved.shape[:-1]
    values = np.expand_dims(values.reshape(shape), d)
    indices = np.expand_dims(indices.reshape(shape), d)
    return values_indices(input, values, indices, d, keepdim, "ModeBackward0", _mode_type)


# ----- nansum / nanmean ---------------------------------------------------------------------------

@op("nansum")
def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    dt = dtype or (dtypes.int64 if input.dtype.category <= 1 else input.dtype)
    dims = _reduce_dims(input, dim)
    data = input._data.astype(dt.np, copy=False)
    out = result(np.nansum(data, axis=dims, keepdims=keepdim and dim is not None, dtype=dt.np), dt)
    if needs_grad(input):
        shape, keep = input._data.shape, keepdim and dim is not None

        def backward(grads: list, x: Tensor) -> tuple:
            keepmask = Tensor._wrap((~np.isnan(x._data)).astype(x._data.dtype), x.dtype)
            return (_restore(grads[0], shape, dims, keep) * keepmask,)

        record(out, "NansumBackward0", (input,), backward, keep=(input,))
    return out


@op("nanmean", out=True)
def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{input.dtype.scalar_name}")
    counted = (~input.isnan()).sum(dim=dim, keepdim=keepdim) if dim is not None else (~input.isnan()).sum()
    return nansum(input, dim, keepdim, dtype=dtype) / counted


# ----- var_mean / std_mean ------------------------------------------------------------------------

def _var_mean(x: Tensor, dim: Any, unbiased: Any, keepdim: bool, correction: Any, is_std: bool) -> tuple:
    with no_grad():
        v = _var(x, dim, unbiased, keepdim, correction, is_std)
        m = x.mean(dim=_reduce_dims(x, None if isinstance(dim, bool) else dim), keepdim=keepdim)
    v, m = result(v._data, v.dtype), result(m._data, m.dtype)
    if needs_grad(x):
        given = (dim, unbiased)
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        dims = _reduce_dims(x, dim)
        n = 1
        for d in dims:
            n *= x._data.shape[d]
        corr = correction if correction is not None else (1 if unbiased is None or unbiased else 0)
        shape, spread = x._data.shape, v._data

        def backward(grads: list, xs: Tensor) -> tuple:
            total = None
            if grads[0] is not None:
                g = grads[0]
                if is_std:
                    # under create_graph the std is recomputed from x (PyTorch's formula uses its std output,
                    # which depends on x); a constant would lose that part of the second derivative
                    out = (_var(xs, given[0], given[1], keepdim, correction, True) if _grad_state.grad_enabled
                           else Tensor._wrap(spread, xs.dtype))
                    g = (g / (out * 2)).masked_fill(out == 0, 0)
                scale = 2.0 / (n - corr) if n - corr else float("inf")
                total = scale * _restore(g, shape, dims, keepdim) * (xs - xs.mean(dim=dims, keepdim=True))
            if grads[1] is not None:
                part = _restore(grads[1] / n, shape, dims, keepdim)
                total = part if total is None else total + part
            return (total,)

        record((v, m), "StdMeanBackward0" if is_std else "VarMeanBackward0", (x,), backward, keep=(x,))
    return v, m


@op("var_mean")
def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    return _var_mean(input, dim, unbiased, keepdim, correction, False)


@op("std_mean")
def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    return _var_mean(input, dim, unbiased, keepdim, correction, True)


# ----- cov / corrcoef (PyTorch's own composition, so the nodes are its nodes) --------------------

@op("cov")
def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    if input._data.ndim > 2:
        raise RuntimeError(
            f"cov(): expected input to have two or fewer dimensions but got an input with {input._data.ndim} "
            "dimensions")
    x = input.view(1, -1) if input._data.ndim < 2 else input
    n_obs = x._data.shape[1]
    w = None
    if fweights is not None:
        if fweights._data.ndim > 1:
            raise RuntimeError(
                f"cov(): expected fweights to have one or fewer dimensions but got fweights with "
                f"{fweights._data.ndim} dimensions")
        if fweights.dtype.category != 1:
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{fweights.dtype.scalar_name} dtype")
        w = fweights
    if aweights is not None:
        if aweights._data.ndim > 1:
            raise RuntimeError(
                f"cov(): expected aweights to have one or fewer dimensions but got aweights with "
                f"{aweights._data.ndim} dimensions")
        if not aweights.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{aweights.dtype.scalar_name} dtype")
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum = Tensor._wrap(np.array(n_obs, dtype=np.int64), dtypes.int64)
        avg = x.sum(1) / w_sum
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
    if w is not None and correction != 0 and aweights is not None:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if bool((norm <= 0)._data):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = norm * 0
    centred = x - avg.unsqueeze(1)
    other = (centred if w is None else centred * w).t()
    c = centred.mm(other.conj() if other.dtype.is_complex else other)
    return c.true_divide(norm).squeeze()


@op("corrcoef")
def corrcoef(input: Tensor) -> Tensor:
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    d = c.diagonal()
    stddev = (d.real if d.dtype.is_complex else d).sqrt()
    c = c / stddev.view(-1, 1)
    c = c / stddev.view(1, -1)
    if c.dtype.is_complex:  # the real and imaginary parts clipped apart, as PyTorch does
        return complex_from_parts(c.real.clip(-1, 1), c.imag.clip(-1, 1))
    return c.clip(-1, 1)


# ----- unique / unique_consecutive / histc / bincount ---------------------------------------------

def _unique_outputs(x: Tensor, values: np.ndarray, inverse: np.ndarray, counts: np.ndarray,
                    return_inverse: bool, return_counts: bool, dim: Any) -> Any:
    out = result(values, x.dtype)
    if not (return_inverse or return_counts):
        return out
    parts = [out]
    if return_inverse:
        parts.append(long(inverse.reshape(x._data.shape) if dim is None else inverse.reshape(-1)))
    if return_counts:
        parts.append(long(counts))
    return tuple(parts)


@op("unique")
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: Any = None) -> Any:
    data = input._data
    if dim is None:
        values, inverse, counts = np.unique(data.reshape(-1), return_inverse=True, return_counts=True)
    else:
        d = wrap_dim(dim, data.ndim)
        if data.shape[d] == 0 and data.size == 0 and data.ndim > 1:
            raise RuntimeError("Number of zero sized dimensions is more than one, so unique cannot be applied ")
        values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=d)
    return _unique_outputs(input, values, inverse, counts, return_inverse, return_counts, dim)


def _unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                        dim: Any = None) -> Any:
    data = input._data
    if dim is None:
        flat = data.reshape(-1)
        starts = np.ones(flat.size, bool)
        starts[1:] = flat[1:] != flat[:-1]
        values = flat[starts]
    else:
        d = wrap_dim(dim, data.ndim)
        moved = np.moveaxis(data, d, 0).reshape(data.shape[d], -1)
        starts = np.ones(moved.shape[0], bool)
        starts[1:] = (moved[1:] != moved[:-1]).any(axis=1)
        values = np.compress(starts, data, axis=d)
    inverse = np.cumsum(starts) - 1
    bounds = np.flatnonzero(np.append(starts, True))
    counts = np.diff(bounds)
    return _unique_outputs(input, values, inverse, counts, return_inverse, return_counts, dim)


@op("unique_consecutive", method=_unique_consecutive)
def unique_consecutive(*args: Any, **kwargs: Any) -> Any:
    """As PyTorch's torch.functional.unique_consecutive(*args, **kwargs)."""
    return _unique_consecutive(*args, **kwargs)


@op("histc", out=True)
def histc(input: Tensor, bins: int = 100, min: Any = 0, max: Any = 0) -> Tensor:
    if not input.dtype.is_floating_point:
        raise RuntimeError(f'"histogram_cpu" not implemented for \'{input.dtype.scalar_name}\'')
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    data = input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc(): max must be larger than min, but got min {lo} max {hi}")
    # the bin of each element as PyTorch's kernel computes it, in the input's own precision
    ft = data.dtype.type
    inside = data[(data >= ft(lo)) & (data <= ft(hi))]
    pos = ((inside - ft(lo)) * ft(bins) / (ft(hi) - ft(lo))).astype(np.int64)
    pos[pos == bins] = bins - 1
    return result(np.bincount(pos, minlength=bins).astype(input._data.dtype), input.dtype)


@op("bincount")
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    if input._data.ndim != 1 or input.dtype.category != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input._data.size and input._data.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return long(np.bincount(input._data, minlength=minlength))
    if weights._data.shape != input._data.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dt = weights.dtype if weights.dtype in (dtypes.float32, dtypes.float64) else dtypes.float64
    return result(np.bincount(input._data, weights._data.astype(np.float64), minlength=minlength), dt)


# ----- scans: cumprod / cummax / cummin / logcumsumexp / diff ---------------------------------------

def _reverse_cumsum(t: Tensor, d: int) -> Tensor:
    """PyTorch's reversed_cumsum: flip, cumsum, flip (a total minus a cumsum would round otherwise)."""
    return t.flip(d).cumsum(d).flip(d)


def _cumprod_with_zeros(x: np.ndarray, g: np.ndarray, d: int) -> np.ndarray:
    """d/dx_j of sum_i g_i prod_{k<=i} x_k, exact where x has zeros (one pass per position)."""
    xm, gm = np.moveaxis(x, d, -1), np.moveaxis(g, d, -1)
    n = xm.shape[-1]
    out = np.zeros_like(xm)
    for j in range(n):
        others = xm.copy()
        others[..., j] = 1
        prods = np.cumprod(others, axis=-1)
        out[..., j] = (gm[..., j:] * prods[..., j:]).sum(axis=-1)
    return np.moveaxis(out, -1, d)


def _cumprod_with_zeros_recorded(x: Tensor, g: Tensor, d: int) -> Tensor:
    """_cumprod_with_zeros in Tensor ops, so that the gradient is differentiable (by g and by x)."""
    n = x._data.shape[d]
    shape = [1] * x._data.ndim
    shape[d] = n
    position = Tensor._wrap(np.arange(n).reshape(shape), dtypes.int64)
    columns = []
    for j in range(n):
        prods = where(position == j, 1.0, x).cumprod(d)  # the product with x_j left out
        columns.append(where(position >= j, g * prods, 0.0).sum(d))
    return stack(columns, d)


@op("cumprod", out=True, inplace=True)
def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    dt = dtype or (dtypes.int64 if input.dtype.category <= 1 else input.dtype)
    data, d = _along(input, dim)
    acc = np.float64 if dt.np == np.float32 else dt.np  # double accumulator, as cumsum (reductions.md §4)
    out = result(np.cumprod(data.astype(acc), axis=d).reshape(input._data.shape), dt)
    if needs_grad(input):
        def backward(grads: list, x: Tensor, y: Tensor) -> tuple:
            g = grads[0]
            if not x._data.ndim:
                return (g,)
            if x._data.shape[d] == 1:
                return (g,)
            if x.dtype.is_complex:  # PyTorch's complex convention: the conjugate of the product's derivative
                x, y = x.conj(), y.conj()
            if not (x._data == 0).any():
                return (_reverse_cumsum(y * g, d) / x,)
            if _grad_state.grad_enabled:  # create_graph (forward AD differentiates it by g): Tensor ops
                return (_cumprod_with_zeros_recorded(x, g.to(x.dtype), d),)
            exact = _cumprod_with_zeros(x._data, g._data.astype(x._data.dtype), d)
            return (Tensor._wrap(exact, x.dtype),)

        record(out, "CumprodBackward0", (input,), backward, keep=(input,), keep_output=True)
    return out


def _cumulative_extreme(input: Tensor, dim: int, is_max: bool) -> Any:
    data, d = _along(input, dim)
    moved = np.moveaxis(data, d, 0)
    values = np.empty_like(moved)
    indices = np.zeros(moved.shape, np.int64)
    if moved.shape[0]:
        best, where = moved[0].copy(), np.zeros(moved.shape[1:], np.int64)
        for i in range(moved.shape[0]):
            v = moved[i]
            if data.dtype.kind == "f":
                isnan = np.isnan(v)
                take = isnan | (~np.isnan(best) & ((v >= best) if is_max else (v <= best)))
            else:
                take = (v >= best) if is_max else (v <= best)
            best = np.where(take, v, best)
            where = np.where(take, i, where)
            values[i], indices[i] = best, where
    values, indices = np.moveaxis(values, 0, d), np.moveaxis(indices, 0, d)
    shape = input._data.shape
    out = result(values.reshape(shape), input.dtype)
    idx = long(indices.reshape(shape))
    if needs_grad(input):
        def backward(grads: list) -> tuple:
            if not shape:
                return (grads[0],)
            return (embed(grads[0], shape, _gather_key(idx._data, d)),)

        record(out, "CummaxBackward0" if is_max else "CumminBackward0", (input,), backward)
    return (_cummax_type if is_max else _cummin_type)(out, idx)


def cummax(input: Tensor, dim: int) -> Any:
    return _cumulative_extreme(input, dim, True)


def cummin(input: Tensor, dim: int) -> Any:
    return _cumulative_extreme(input, dim, False)


def _complex_logcumsumexp(data: np.ndarray, d: int) -> np.ndarray:
    """PyTorch's scan: acc = log_add_exp(x_i, acc) from acc = -inf, in complex double."""
    a = np.moveaxis(data.astype(np.complex128), d, 0)
    out = np.empty_like(a)
    acc = np.full(a.shape[1:], complex(-np.inf, 0))
    for i in range(a.shape[0]):
        acc = complex_logaddexp(a[i], acc)
        out[i] = acc
    return np.moveaxis(out, 0, d)


@op("logcumsumexp", out=True)
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(f'"logcumsumexp_out_cpu" not implemented for \'{input.dtype.scalar_name}\'')
    data, d = _along(input, dim)
    with np.errstate(all="ignore"):
        if input.dtype.is_complex:
            acc = _complex_logcumsumexp(data, d)
        else:
            acc = np.logaddexp.accumulate(data.astype(np.float64), axis=d) if data.shape[d] else data
    out = result(acc.reshape(input._data.shape), input.dtype)
    if needs_grad(input):
        def backward(grads: list, x: Tensor, y: Tensor) -> tuple:
            g = grads[0]
            if not x._data.ndim:
                return (g,)
            # d out_i / d x_j = exp(x_j - out_i) for j <= i, summed in log space (x may be 1e4) for the
            # positive and negative parts of the gradient separately
            n = x._data.shape[d]
            back = long(np.arange(n - 1, -1, -1))
            if x.dtype.is_complex:  # PyTorch's complex branch: no split by sign, the gradient conjugated
                z = (g.conj().log() - y).index_select(d, back)
                return ((logcumsumexp(z, d).index_select(d, back) + x).exp().conj(),)

            # PyTorch's formula: where a part is 0, the dtype's lowest value stands for log(0), so that a
            # second derivative meets finite numbers (-inf - -inf would be nan)
            lowest = float(np.finfo(x.dtype.np).min)
            with np.errstate(divide="ignore"):
                log_abs = g.abs().log()

            def part(mask: Tensor) -> Tensor:
                z = (where(mask, log_abs, lowest) - y).index_select(d, back)
                return (logcumsumexp(z, d).index_select(d, back) + x).exp()

            return (part(g > 0) - part(g < 0),)

        record(out, "LogcumsumexpBackward0", (input,), backward, keep=(input,), keep_output=True)
    return out


@op("diff")
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, input._data.ndim)
    if n == 0:  # PyTorch copies into a new tensor: the node is CopyBackwards
        return input.new_zeros(input._data.shape).copy_(input)
    parts = [p for p in (prepend, input, append) if p is not None]
    x = cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        length = x._data.shape[d]
        if length == 0:
            break
        hi, lo = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = hi.logical_xor(lo) if x.dtype is dtypes.bool_ else hi - lo
    return x


# ----- quantile / nanquantile ---------------------------------------------------------------------

def _quantile(x: Tensor, q: Any, dim: Any, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    name = "nanquantile" if ignore_nan else "quantile"
    if not x.dtype.is_floating_point or x.dtype not in (dtypes.float32, dtypes.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    scalar_q = not isinstance(q, Tensor)
    qs = np.asarray([q] if scalar_q else q._data, dtype=np.float64).reshape(-1)
    if not scalar_q:
        if q._data.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype is not x.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if ((qs < 0) | (qs > 1)).any():
        what = "q values" if not scalar_q else "q"
        raise RuntimeError(f"{name}() {what} must be in the range [0, 1]" + ("" if not scalar_q else
                                                                              f" but got {float(qs[0])}"))
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. Got {interpolation}")
    shape = x._data.shape
    if dim is None:
        data, d = x._data.reshape(-1), 0
        out_shape = (1,) * len(shape) if keepdim else ()
    else:
        d = wrap_dim(dim, x._data.ndim)
        data = x._data if x._data.ndim else x._data.reshape(1)
        out_shape = tuple(1 if i == d else s for i, s in enumerate(shape)) if keepdim else \
            tuple(s for i, s in enumerate(shape) if i != d)
    moved = np.moveaxis(data, d, -1).astype(np.float64)
    n = moved.shape[-1]
    order = np.argsort(moved, axis=-1, kind="stable")  # NaN last
    ordered = np.take_along_axis(moved, order, axis=-1)
    nans = np.isnan(moved).sum(axis=-1, keepdims=True)
    valid = n - nans if ignore_nan else np.full(nans.shape, n)
    ranks = qs * np.maximum(valid - 1, 0)  # (..., nq)
    if interpolation == "nearest":
        ranks = np.round(ranks)
    lower = np.floor(ranks).astype(np.int64)
    upper = np.minimum(np.ceil(ranks).astype(np.int64), np.maximum(valid - 1, 0))
    if interpolation == "lower":
        upper = lower
    elif interpolation == "higher":
        lower = upper
    weight = {"linear": ranks - lower, "midpoint": np.where(upper > lower, 0.5, 0.0)}.get(interpolation,
                                                                                        np.zeros(ranks.shape))
    if n == 0:
        values = np.full(moved.shape[:-1] + (qs.size,), np.nan)
        lower = upper = np.zeros(values.shape, np.int64)
    else:
        below = np.take_along_axis(ordered, lower, axis=-1)
        above = np.take_along_axis(ordered, upper, axis=-1)
        # PyTorch's lerp: from the nearer end, so a weight of 1 gives `above` exactly
        values = np.where(weight < 0.5, below + weight * (above - below), above - (above - below) * (1 - weight))
        broken = (valid == 0) if ignore_nan else (nans > 0)
        values = np.where(broken, np.nan, values)
    # values: (..., nq) -> (nq, out_shape)
    values = np.moveaxis(values, -1, 0).reshape((qs.size, *out_shape))
    out = result(values[0] if scalar_q else values, x.dtype)
    if needs_grad(x) and n:
        src_lo = np.take_along_axis(order, lower, axis=-1)
        src_hi = np.take_along_axis(order, upper, axis=-1)

        def backward(grads: list) -> tuple:
            g = grads[0]
            gq = g.reshape(qs.size, -1) if not scalar_q else g.reshape(1, -1)
            g_moved = Tensor._wrap(np.zeros(moved.shape, x._data.dtype), x.dtype)
            rows = int(np.prod(moved.shape[:-1], dtype=np.int64))
            gm = g_moved.reshape(rows, n)
            w = Tensor._wrap(np.moveaxis(weight, -1, 0).reshape(qs.size, rows).astype(x._data.dtype), x.dtype)
            lo = np.moveaxis(src_lo, -1, 0).reshape(qs.size, rows)
            hi = np.moveaxis(src_hi, -1, 0).reshape(qs.size, rows)
            row_ids = np.broadcast_to(np.arange(rows), lo.shape)
            total = gm + embed(gq * (1 - w), (rows, n), (row_ids, lo)) + embed(gq * w, (rows, n), (row_ids, hi))
            total = total.reshape(moved.shape)
            back = total.movedim(-1, d) if dim is not None and x._data.ndim else total
            return (back.reshape(shape),)

        record(out, "SqueezeBackward4", (x,), backward)
    return out


@op("quantile", out=True)
def quantile(input: Tensor, q: Any, dim: Any = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    return _quantile(input, q, dim, keepdim, interpolation, False)


@op("nanquantile", out=True)
def nanquantile(input: Tensor, q: Any, dim: Any = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    return _quantile(input, q, dim, keepdim, interpolation, True)


# ----- histogram / trapezoid / dist / renorm ------------------------------------------------------

_histogram_type = type("histogram", (tuple,), {
    "__slots__": (), "hist": property(lambda s: s[0]), "bin_edges": property(lambda s: s[1]),
    "__repr__": lambda s: f"torch.return_types.histogram(\nhist={s[0]!r},\nbin_edges={s[1]!r})"})


def _linspace(lo: float, hi: float, steps: int, np_dtype: np.dtype) -> np.ndarray:
    """PyTorch's CPU linspace: from the start for the first half, from the end for the rest."""
    step = (np_dtype.type(hi) - np_dtype.type(lo)) / np_dtype.type(max(steps - 1, 1))
    i = np.arange(steps)
    half = steps // 2
    return np.where(i < half, np_dtype.type(lo) + step * i, np_dtype.type(hi) - step * (steps - 1 - i)).astype(np_dtype)


def histogram(input: Tensor, bins: Any = 100, *, range: Any = None, weight: Tensor | None = None,
              density: bool = False) -> Any:
    data = input._data.reshape(-1)
    if isinstance(bins, Tensor):
        if bins.dtype is not input.dtype:
            names = {dtypes.float32: "float", dtypes.float64: "double"}
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input with "
                f"dtype {names.get(input.dtype, input.dtype.scalar_name)} and bins for dimension 0 with dtype "
                f"{names.get(bins.dtype, bins.dtype.scalar_name)}")
        edges = bins._data
    else:
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif data.size:
            lo, hi = float(data.min()), float(data.max())
        else:
            lo, hi = 0.0, 0.0
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _linspace(lo, hi, int(bins) + 1, data.dtype)
    nb = edges.size - 1
    inside = (data >= edges[0]) & (data <= edges[-1])
    pos = np.searchsorted(edges, data[inside], side="right") - 1
    pos = np.minimum(pos, nb - 1)
    w = None if weight is None else weight._data.reshape(-1)[inside].astype(np.float64)
    hist = np.bincount(pos, weights=w, minlength=nb).astype(np.float64)
    if density:
        widths = np.diff(edges.astype(np.float64))
        hist = hist / (hist.sum() * widths)
    return _histogram_type((result(hist.astype(data.dtype), input.dtype), result(edges, input.dtype)))


@op("trapezoid", aliases=("trapz",), method=False)
def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    d = wrap_dim(dim, y._data.ndim)
    n = y._data.shape[d]
    if isinstance(x, Tensor):
        if n == 0:
            return y.sum(d) * 0
        spacing = x.diff(dim=d if x._data.ndim == y._data.ndim else -1)
        if x._data.ndim == 1 and y._data.ndim > 1:
            view = [1] * y._data.ndim
            view[d] = -1
            spacing = spacing.view(view)
        left, right = y.narrow(d, 0, n - 1), y.narrow(d, 1, n - 1)
        return div_scalar((spacing * (left + right)).sum(d), 2.0)
    step = 1 if dx is None and x is None else (dx if dx is not None else x)
    if n == 0:
        return mul_scalar(y.sum(d), step)
    return mul_scalar(y.sum(d) - mul_scalar(y.select(d, 0) + y.select(d, -1), 0.5), step)


@op("cumulative_trapezoid", method=False)
def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    d = wrap_dim(dim, y._data.ndim)
    n = y._data.shape[d]
    left, right = y.narrow(d, 0, max(n - 1, 0)), y.narrow(d, min(1, n), max(n - 1, 0))
    if isinstance(x, Tensor):
        spacing = x.diff(dim=d if x._data.ndim == y._data.ndim else -1)
        if x._data.ndim == 1 and y._data.ndim > 1:
            view = [1] * y._data.ndim
            view[d] = -1
            spacing = spacing.view(view)
        return div_scalar((spacing * (left + right)).cumsum(d), 2.0)
    step = 1 if dx is None and x is None else (dx if dx is not None else x)
    return mul_scalar(left + right, step / 2.0).cumsum(d)


def _norm_backward(diff: Tensor, norm: Tensor, p: float) -> Tensor:
    """d ||diff||_p / d diff, as PyTorch's norm_backward (0 where the norm is 0)."""
    if p == 0:
        return diff * 0
    if p == 1:
        return diff.sign()
    if p == 2:
        return (diff / norm).masked_fill(norm == 0, 0)
    if p == float("inf") or p == -float("inf"):
        hits = (diff.abs() == norm).to(diff.dtype)
        return diff.sign() * hits / hits.sum()
    scaled = diff * diff.abs() ** (p - 2) / norm ** (p - 1)
    return scaled.masked_fill(norm == 0, 0)


@op("renorm", out=True, inplace=True)
def renorm(input: Tensor, p: Any, dim: int, maxnorm: Any) -> Tensor:
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = wrap_dim(dim, input._data.ndim)
    others = tuple(i for i in range(input._data.ndim) if i != d)
    data = input._data.astype(np.complex128 if input.dtype.is_complex else np.float64)
    inf = p == float("inf")
    with np.errstate(all="ignore"):
        if inf:
            norms = np.abs(data).max(axis=others, keepdims=True) if data.size else np.zeros(data.shape)
        else:
            norms = (np.abs(data) ** p).sum(axis=others, keepdims=True) ** (1.0 / p)
        factor = np.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    out = result(data * factor, input.dtype)
    if needs_grad(input):
        def backward(grads: list, x: Tensor) -> tuple:
            g = grads[0]
            nrm = x.abs().amax(dim=others, keepdim=True) if inf else \
                (x.abs() ** p).sum(dim=others, keepdim=True) ** (1.0 / p)
            over = (nrm > maxnorm).to(x.dtype)
            scale = maxnorm / (nrm + 1e-7)
            fac = over * scale + (1 - over)
            # where rescaled: d(x * maxnorm / (n + eps)) = scale * g - maxnorm / (n+eps)^2 * <g, x> * dn/dx
            # a complex input: PyTorch's norm_backward (sgn) fed with the real part of <g, x>
            sign = x.sgn() if x.dtype.is_complex else x.sign()
            if inf:
                # PyTorch takes the norm in the accumulate type (complex128 for complex64): a float32 |x| that
                # rounded differently from it is no hit, and a slice without a hit gets NaN (0 / 0)
                top = x.to(dtypes.complex128).abs().amax(dim=others, keepdim=True) if x.dtype is dtypes.complex64 \
                    else nrm
                hits = (x.abs() == top).to(x.dtype)
                dn = sign * hits / hits.sum(dim=others, keepdim=True)
            else:
                dn = x.abs() ** (p - 1) * sign / nrm ** (p - 1)
            inner = (g * x.conj()).real if x.dtype.is_complex else g * x
            inner = inner.sum(dim=others, keepdim=True)
            return (g * fac - over * maxnorm / (nrm + 1e-7) ** 2 * inner * dn,)

        record(out, "RenormBackward0", (input,), backward, keep=(input,))
    return out


# the multi-output ops whose torch.* functions take a tuple as out=
for _forward in (aminmax, median, nanmedian, mode, cummax, cummin, histogram):
    op(_forward.__name__, function=with_tuple_out(_forward.__name__, _forward))(_forward)
