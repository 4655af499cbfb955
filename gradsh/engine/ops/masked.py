"""torch.masked: reductions and normalizations that ignore the elements a boolean `mask` leaves out.

PyTorch writes these in Python over its public ops (torch/masked/_ops.py, strided layout): the masked-out
elements are replaced by the reduction's identity with `where`, then the plain op runs. gradsh composes
the same ops in the same order, so values, dtypes and grad_fn names (WhereBackward0, SumBackward1, ...)
come out as PyTorch's. Sparse layouts and MaskedTensor inputs are outside gradsh.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from .. import dtypes
from ..registry import functions, op
from ..tensor import Tensor

NS = "torch.masked"
_PROMOTED_TO_LONG = frozenset((dtypes.uint8, dtypes.bool_, dtypes.int8, dtypes.int16, dtypes.int32))


@cache
def _fn(namespace: str, name: str) -> Callable:
    """A declared function of another namespace (torch.linalg.vector_norm, ...), looked up once."""
    return functions(namespace)[name]


def _scalar(value: float, dtype: dtypes.dtype) -> Tensor:
    return _fn("torch", "tensor")(value, dtype=dtype)


def _identity(name: str, input: Tensor, ord: float | None = None) -> Tensor | None:
    """The value that leaves the reduction `name` unchanged (what masked-out elements become), or None."""
    dt = input.dtype
    floating = dt.is_floating_point
    if name in ("sum", "cumsum"):
        return _scalar(0, dt)
    if name in ("prod", "cumprod"):
        return _scalar(1, dt)
    if name in ("amax", "argmax", "logaddexp", "logsumexp"):
        if floating or (name == "logsumexp" and dt.is_complex):
            return _scalar(-math.inf, dt)
        if dt.is_signed or dt is dtypes.uint8:
            return _scalar(int(np.iinfo(dt.name).min), dt)
    elif name in ("amin", "argmin"):
        if floating:
            return _scalar(math.inf, dt)
        if dt.is_signed or dt is dtypes.uint8:
            return _scalar(int(np.iinfo(dt.name).max), dt)
    elif name == "norm":
        if ord == -math.inf:
            if not floating:
                raise AssertionError(f"input must be floating point, got {dt}")
            return _scalar(math.inf, dt)
        return _scalar(0, dt)
    elif name == "median":
        return _scalar(math.nan, dt if floating else dtypes.float32)
    elif name in ("mean", "var", "std"):
        return None
    raise NotImplementedError(f"identity of {name} on {dt} input")


def canonical_dim(dim: Any, ndim: int) -> tuple[int, ...]:
    """`dim` as a sorted tuple of non-negative dims (None and () mean every dim), checked as PyTorch checks."""
    if dim is None or dim == ():
        return tuple(range(ndim))
    ndim = max(ndim, 1)
    found: list[int] = []
    for d in (dim,) if isinstance(dim, int) else dim:
        if d in found:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        if d >= ndim or d < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {d})")
        found.append(d % ndim)
    return tuple(sorted(found))


def input_mask(input: Tensor, mask: Tensor | None) -> Tensor:
    """The mask broadcast to the input's shape, as bool."""
    if mask is None:
        raise ValueError("_input_mask requires explicit mask")
    if tuple(mask.shape) != tuple(input.shape):
        if mask.ndim > input.ndim:
            raise IndexError(
                "_input_mask expected broadcastable mask (got mask dimensionality higher than of the input)"
            )
        mask = mask.clone().broadcast_to(input.shape).to(dtype=dtypes.bool_)
    return mask.to(dtype=dtypes.bool_)


def combine(name: str, input: Tensor, mask: Tensor | None, ord: float | None = None) -> Tensor:
    """The input with its masked-out elements replaced by the identity of reduction `name`."""
    if mask is None:
        return input
    return _fn("torch", "where")(input_mask(input, mask), input, _identity(name, input, ord))


def _sum_dtype(input: Tensor, dtype: dtypes.dtype | None) -> dtypes.dtype:
    if dtype is not None:
        return dtype
    return dtypes.int64 if input.dtype in _PROMOTED_TO_LONG else input.dtype


@op("sum", method=False, namespace=NS)
def sum(input: Tensor, dim: Any = None, *, keepdim: bool | None = False, dtype: Any = None,
        mask: Tensor | None = None) -> Tensor:
    dtype = _sum_dtype(input, dtype)
    dims = canonical_dim(dim, input.ndim)
    return _fn("torch", "sum")(combine("sum", input, mask), dims, bool(keepdim), dtype=dtype)


@op("prod", method=False, namespace=NS)
def prod(input: Tensor, dim: Any = None, *, keepdim: bool | None = False, dtype: Any = None,
         mask: Tensor | None = None) -> Tensor:
    dtype = _sum_dtype(input, dtype)
    dims = canonical_dim(dim, input.ndim)
    result = combine("prod", input, mask).to(dtype=dtype)
    for d in reversed(dims):  # one dim at a time, as PyTorch (prod takes a single dim)
        result = result.prod(dim=d, keepdim=bool(keepdim))
    return result


@op("cumsum", method=False, namespace=NS)
def cumsum(input: Tensor, dim: int, *, dtype: Any = None, mask: Tensor | None = None) -> Tensor:
    dtype = input.dtype if dtype is None else dtype
    d = canonical_dim(dim, input.ndim)[0]
    return _fn("torch", "cumsum")(combine("sum", input, mask), d, dtype=dtype).to(dtype=dtype)


@op("cumprod", method=False, namespace=NS)
def cumprod(input: Tensor, dim: int, *, dtype: Any = None, mask: Tensor | None = None) -> Tensor:
    dtype = input.dtype if dtype is None else dtype
    d = canonical_dim(dim, input.ndim)[0]
    return _fn("torch", "cumprod")(combine("prod", input, mask), d, dtype=dtype).to(dtype=dtype)


def _extremum(name: str) -> Callable:
    def reduce(input: Tensor, dim: Any = None, *, keepdim: bool | None = False, dtype: Any = None,
               mask: Tensor | None = None) -> Tensor:
        dtype = input.dtype if dtype is None else dtype
        masked = combine(name, input, mask)
        dims = canonical_dim(dim, masked.ndim)
        return _fn("torch", name)(masked, dims, bool(keepdim)).to(dtype=dtype)

    reduce.__name__ = reduce.__qualname__ = name
    return reduce


amax = op("amax", method=False, namespace=NS)(_extremum("amax"))
amin = op("amin", method=False, namespace=NS)(_extremum("amin"))


def _arg_extremum(name: str) -> Callable:
    def reduce(input: Tensor, dim: int | None = None, *, keepdim: bool | None = False, dtype: Any = None,
               mask: Tensor | None = None) -> Tensor:
        dtype = input.dtype if dtype is None else dtype
        return _fn("torch", name)(combine(name, input, mask), dim, bool(keepdim)).to(dtype=dtype)

    reduce.__name__ = reduce.__qualname__ = name
    return reduce


argmax = op("argmax", method=False, namespace=NS)(_arg_extremum("argmax"))
argmin = op("argmin", method=False, namespace=NS)(_arg_extremum("argmin"))


def _count_and_total(input: Tensor, dim: Any, keepdim: Any, dtype: Any, mask: Tensor | None) -> tuple:
    """(how many elements are in, their masked sum), both reduced over `dim`."""
    if mask is None:
        ones = _fn("torch", "ones")(tuple(input.shape), dtype=dtypes.int64)
        return sum(ones, dim, keepdim=keepdim), sum(input, dim, keepdim=keepdim, dtype=dtype)
    inmask = input_mask(input, mask)
    count = inmask.sum(dim=dim, keepdim=bool(keepdim))
    return count, sum(input, dim, keepdim=keepdim, dtype=dtype, mask=inmask)


@op("mean", method=False, namespace=NS)
def mean(input: Tensor, dim: Any = None, *, keepdim: bool | None = False, dtype: Any = None,
         mask: Tensor | None = None) -> Tensor:
    source = "Optional"
    if dtype is None:
        dtype, source = input.dtype, "Input"
    if not (dtype.is_floating_point or dtype.is_complex):
        raise ValueError(
            f"mean(): Could not infer output dtype. {source} dtype must be either "
            f"a floating point or complex dtype. Got: {dtype}"
        )
    count, total = _count_and_total(input, dim, keepdim, dtype, mask)
    return total / count


@op("median", method=False, namespace=NS)
def median(input: Tensor, dim: int = -1, *, keepdim: bool = False, dtype: Any = None,
           mask: Tensor | None = None) -> Tensor:
    dtype = input.dtype if dtype is None else dtype
    d = canonical_dim(dim, input.ndim)[0]
    is_float = input.dtype.is_floating_point
    if not is_float:
        input = input.to(dtype=dtypes.float32)
    output = _fn("torch", "nanmedian")(combine("median", input, mask), d, keepdim).values
    if is_float:
        return output
    if not _fn("torch", "isnan")(output).any():
        return output.to(dtype=dtype)
    raise ValueError("masked median expects no fully masked out rows if dtype is not floating point")


@op("logsumexp", method=False, namespace=NS)
def logsumexp(input: Tensor, dim: Any = None, *, keepdim: bool = False, dtype: Any = None,
              mask: Tensor | None = None) -> Tensor:
    dtype = input.dtype if dtype is None else dtype
    dims = canonical_dim(dim, input.ndim)
    return _fn("torch", "logsumexp")(combine("logsumexp", input, mask), dims, keepdim=keepdim).to(dtype=dtype)


@op("logaddexp", method=False, namespace=NS)
def logaddexp(input: Tensor, other: Tensor, *, dtype: Any = None, input_mask: Tensor | None = None,
              other_mask: Tensor | None = None) -> Tensor:
    dtype = input.dtype if dtype is None else dtype
    a = combine("logaddexp", input, input_mask)
    b = combine("logaddexp", other, other_mask)
    return _fn("torch", "logaddexp")(a, b).to(dtype=dtype)


@op("norm", method=False, namespace=NS)
def norm(input: Tensor, ord: float | None = 2.0, dim: Any = None, *, keepdim: bool | None = False,
         dtype: Any = None, mask: Tensor | None = None) -> Tensor:
    dtype = input.dtype if dtype is None else dtype
    masked = combine("norm", input, mask, ord)
    dims = canonical_dim(dim, input.ndim)
    return _fn("torch.linalg", "vector_norm")(masked, ord, dims, bool(keepdim), dtype=dtype)


def _std_var(input: Tensor, dim: Any, unbiased: bool | None, correction: float | None, keepdim: Any,
             dtype: Any, mask: Tensor | None, take_sqrt: bool) -> Tensor:
    if unbiased is not None and correction is not None:
        raise AssertionError("Only one of unbiased and correction may be given")
    c = 1.0
    if unbiased is not None:
        c = 1.0 if unbiased else 0.0
    if correction is not None:
        c = float(correction)
    if dtype is None:
        dtype = input.dtype if (input.dtype.is_floating_point or input.dtype.is_complex) else dtypes.float32
    compute = dtype if (dtype.is_floating_point or dtype.is_complex) else dtypes.float32
    count, total = _count_and_total(input, dim, True, dtype, mask)
    x = _fn("torch", "subtract")(input, _fn("torch", "divide")(total, count))
    inmask = None if mask is None else input_mask(input, mask)
    total = sum(x * (x.conj() if x.dtype.is_complex else x), dim, keepdim=keepdim, dtype=compute, mask=inmask)
    if not keepdim:
        count = count.reshape(total.shape)
    if c != 0:
        real = dtypes.float32 if compute is dtypes.complex64 else dtypes.float64 if compute.is_complex else compute
        count = _fn("torch", "subtract")(count.to(real), c)
        count = _fn("torch", "maximum")(count, count.new_zeros([]))
    output = _fn("torch", "divide")(total, count).to(dtype=dtype)
    return _fn("torch", "sqrt")(output) if take_sqrt else output


@op("var", method=False, namespace=NS)
def var(input: Tensor, dim: Any = None, unbiased: bool | None = None, *, correction: float | None = None,
        keepdim: bool | None = False, dtype: Any = None, mask: Tensor | None = None) -> Tensor:
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=False)


@op("std", method=False, namespace=NS)
def std(input: Tensor, dim: Any = None, unbiased: bool | None = None, *, correction: int | None = None,
        keepdim: bool | None = False, dtype: Any = None, mask: Tensor | None = None) -> Tensor:
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=True)


def _normalization(name: str, identity: str) -> Callable:
    def normalize_along(input: Tensor, dim: int, *, dtype: Any = None, mask: Tensor | None = None) -> Tensor:
        dtype = input.dtype if dtype is None else dtype
        d = canonical_dim(dim, input.ndim)[0]
        return _fn("torch.nn.functional", name)(combine(identity, input, mask), d, dtype=dtype)

    normalize_along.__name__ = normalize_along.__qualname__ = name
    return normalize_along


softmax = op("softmax", method=False, namespace=NS)(_normalization("softmax", "amax"))
log_softmax = op("log_softmax", method=False, namespace=NS)(_normalization("log_softmax", "amax"))
softmin = op("softmin", method=False, namespace=NS)(_normalization("softmin", "amin"))


@op("normalize", method=False, namespace=NS)
def normalize(input: Tensor, ord: float, dim: int, *, eps: float = 1e-12, dtype: Any = None,
              mask: Tensor | None = None) -> Tensor:
    dtype = input.dtype if dtype is None else dtype
    masked = combine("sum", input, mask)
    nrm = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    denom = _fn("torch", "maximum")(nrm, nrm.new_full([], eps))
    return _fn("torch", "divide")(masked, denom)
