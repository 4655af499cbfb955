"""Factories: torch.tensor and friends, with PyTorch's dtype inference and argument errors."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from . import dtypes
from .out_arg import check_out, write_out
from .registry import op
from .tensor import Tensor

_COPY_WARNING = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
    "sourceTensor.detach().clone().requires_grad_(True), rather than {}."
)
_FACTORY_RG = "Only Tensors of floating point and complex dtype can require gradients"


def _check_requires_grad(requires_grad: Any, fn: str = "tensor") -> None:
    if not isinstance(requires_grad, bool):
        raise TypeError(f"{fn}(): argument 'requires_grad' must be bool, not {type(requires_grad).__name__}")


def _check_pin_memory(pin_memory: bool) -> None:
    if pin_memory:
        raise RuntimeError(
            "pin_memory=True requires a CUDA or other accelerator backend; no pinned memory allocator is available on "
            "this system."
        )


def _out_dtype(dtype: Any, out: Any) -> Any:
    """With out= and no dtype, a factory makes its values in out's dtype (PyTorch's rule)."""
    return out.dtype if dtype is None and isinstance(out, Tensor) else dtype


def _into(name: str, out: Any, result: Tensor) -> Tensor:
    """A factory's result, or written into `out=` by PyTorch's rules."""
    if out is None:
        return result
    # PyTorch names the factory's aten op in the autograd error, and factories resize out without a warning
    return write_out(check_out(f"aten::{name}", out, ()), result, warn_resize=False)


def _finish(data: np.ndarray, dt: dtypes.dtype, requires_grad: bool) -> Tensor:
    if dt is dtypes.bfloat16:
        data = dtypes.round_bfloat16(data)
    t = Tensor._wrap(data, dt)
    if requires_grad:
        if not (dt.is_floating_point or dt.is_complex):
            raise RuntimeError(_FACTORY_RG)
        t._rg = True
    return t


def _infer(data: Any) -> tuple:
    """(numpy array, inferred torch dtype) of nested Python data."""
    category = -1
    found_dtype = None

    def walk(x: Any, depth: int) -> Any:
        nonlocal category, found_dtype
        if isinstance(x, Tensor):
            found_dtype = x.dtype if found_dtype is None else dtypes.promote_types(found_dtype, x.dtype)
            return x._data.tolist()
        if isinstance(x, np.ndarray):
            d = dtypes.from_numpy_dtype(x.dtype)
            found_dtype = d if found_dtype is None else dtypes.promote_types(found_dtype, d)
            return x.tolist()
        if isinstance(x, np.generic):
            d = dtypes.from_numpy_dtype(x.dtype)
            found_dtype = d if found_dtype is None else dtypes.promote_types(found_dtype, d)
            return x.item()
        if isinstance(x, (list, tuple)):
            return [walk(e, depth + 1) for e in x]
        if isinstance(x, (bool, int, float, complex)):
            category = max(category, dtypes.scalar_category(x))
            return x
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")

    values = walk(data, 0)
    dt = None
    if category >= 0:
        dt = dtypes.dtype_for_scalar_category(category)
    if found_dtype is not None:
        dt = found_dtype if dt is None else (found_dtype if found_dtype.category >= dt.category
                                              else dtypes.dtype_for_scalar_category(category))
    if dt is None:
        dt = dtypes.get_default_dtype()
    _check_ragged(values)
    return values, dt


def _check_ragged(values: Any, dim: int = 0) -> None:
    if isinstance(values, list) and values and isinstance(values[0], list):
        n = len(values[0])
        for v in values:
            if not isinstance(v, list):
                raise TypeError("not a sequence")
            if len(v) != n:
                raise ValueError(f"expected sequence of length {n} at dim {dim + 1} (got {len(v)})")
        for v in values:
            _check_ragged(v, dim + 1)


@op("tensor", method=False)
def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    _check_requires_grad(requires_grad)
    _check_pin_memory(pin_memory)
    if isinstance(data, Tensor):
        warnings.warn(_COPY_WARNING.format("torch.tensor(sourceTensor)"), UserWarning, stacklevel=2)
        dt = dtype or data.dtype
        return _finish(np.array(data._data, dtype=dt.np, copy=True), dt, requires_grad)
    if isinstance(data, np.ndarray):
        dt = dtype or dtypes.from_numpy_dtype(data.dtype)
        return _finish(np.array(data, dtype=dt.np, copy=True), dt, requires_grad)
    values, dt = _infer(data)
    dt = dtype or dt
    arr = np.array(values, dtype=dt.np if dt is not dtypes.bfloat16 else np.float32)
    if arr.ndim == 1 and arr.shape[0] == 0 and dtype is None:
        arr = arr.astype(dt.np)
    return _finish(arr, dt, requires_grad)


@op("as_tensor", method=False)
def as_tensor(data: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    if isinstance(data, Tensor):
        return data if dtype is None or dtype is data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype.np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


@op("from_numpy", method=False)
def from_numpy(ndarray: np.ndarray) -> Tensor:
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return Tensor._wrap(ndarray, dtypes.from_numpy_dtype(ndarray.dtype))


def _size_args(size: tuple) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(
                f"zeros(): argument 'size' (position 1) must be tuple of ints, but found element of type "
                f"{type(s).__name__} at pos {len(out)}"
            )
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _factory(fill: Any, size: tuple, dtype: Any, requires_grad: bool) -> Tensor:
    _check_requires_grad(requires_grad)
    dt = dtype or dtypes.get_default_dtype()
    return _finish(np.full(_size_args(size), fill, dtype=dt.np), dt, requires_grad)


@op("zeros", method=False)
def zeros(size: Any, *more: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, out: Any = None,
          layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_pin_memory(pin_memory)
    return _into("zeros", out, _factory(0, (size, *more), _out_dtype(dtype, out), requires_grad))


@op("ones", method=False)
def ones(size: Any, *more: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, out: Any = None,
         layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_pin_memory(pin_memory)
    return _into("ones", out, _factory(1, (size, *more), _out_dtype(dtype, out), requires_grad))


@op("empty", method=False)
def empty(size: Any, *more: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, out: Any = None,
          layout: Any = None, pin_memory: bool = False, memory_format: Any = None) -> Tensor:
    _check_pin_memory(pin_memory)
    return _into("empty", out, _factory(0, (size, *more), _out_dtype(dtype, out), requires_grad))


@op("full", method=False)
def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         out: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_pin_memory(pin_memory)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dt = _out_dtype(dtype, out) or dtypes.dtype_for_scalar_category(dtypes.scalar_category(fill_value))
    return _into("full", out, _factory(fill_value, (size,), dt, requires_grad))


def _like(x: Tensor, fill: Any, dtype: Any, requires_grad: bool, pin_memory: bool = False) -> Tensor:
    _check_requires_grad(requires_grad)
    _check_pin_memory(pin_memory)
    dt = dtype or x.dtype
    return _finish(np.full(x._data.shape, fill, dtype=dt.np), dt, requires_grad)


@op("zeros_like", method=False)
def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               memory_format: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    return _like(input, 0, dtype, requires_grad, pin_memory)


@op("ones_like", method=False)
def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              memory_format: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    return _like(input, 1, dtype, requires_grad, pin_memory)


@op("empty_like", method=False)
def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               memory_format: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    return _like(input, 0, dtype, requires_grad, pin_memory)


@op("full_like", method=False)
def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              memory_format: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    return _like(input, fill_value, dtype, requires_grad, pin_memory)


@op("arange", method=False)
def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False, out: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_requires_grad(requires_grad)
    _check_pin_memory(pin_memory)
    dtype = _out_dtype(dtype, out)
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        dtype = dtypes.get_default_dtype() if any(isinstance(v, float) for v in vals) else dtypes.int64
    if dtype.is_complex:  # PyTorch's CPU kernel has no complex instance
        raise NotImplementedError(f'"arange_cpu" not implemented for \'{dtype.scalar_name}\'')
    n = max(0, math.ceil((end - start) / step))
    if dtype.category <= 1:  # integer output: ATen computes in int64 from the truncated bounds and step
        start, end, step = int(start), int(end), int(step)
        if dtype is dtypes.int64:  # the size too (other integer types size it in double, above)
            if step == 0:  # a Python ValueError here in PyTorch (a float step that truncates to 0)
                raise ValueError("step must be nonzero")
            n = max(0, math.ceil((end - start) / step))
    data = (start + np.arange(n, dtype=np.float64) * step) if dtype.category >= 2 else \
        start + np.arange(n, dtype=np.int64) * step
    if isinstance(out, Tensor) and out._data.size not in (0, n):
        shape = ", ".join(map(str, out._data.shape))
        warnings.warn(
            f"The number of elements in the out tensor of shape [{shape}] is {out._data.size} which does not match "
            f"the computed number of elements {n}. Note that this may occur as a result of rounding error. The out "
            f"tensor will be resized to a tensor of shape ({n},). (Triggered internally at "
            "/__w/pytorch/pytorch/aten/src/ATen/native/RangeFactories.cpp:199.)", UserWarning, stacklevel=2)
    return _into("arange", out, _finish(np.asarray(data).astype(dtype.np), dtype, requires_grad))


@op("linspace", method=False)
def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, out: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_requires_grad(requires_grad)
    _check_pin_memory(pin_memory)
    dt = _out_dtype(dtype, out) or dtypes.get_default_dtype()
    if steps == 1:
        return _into("linspace", out, _finish(np.array([start], dtype=dt.np), dt, requires_grad))
    work = np.float64 if dt is dtypes.float64 or dt.category <= 1 else np.dtype(dt.np).type
    s, e = work(start), work(end)
    step = (e - s) / work(steps - 1)
    i = np.arange(steps)
    half = steps // 2
    data = np.where(i < half, s + step * i.astype(work), e - step * (steps - 1 - i).astype(work))
    return _into("linspace", out, _finish(data.astype(dt.np), dt, requires_grad))


@op("eye", method=False)
def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False, out: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_requires_grad(requires_grad)
    _check_pin_memory(pin_memory)
    dt = _out_dtype(dtype, out) or dtypes.get_default_dtype()
    return _into("eye", out, _finish(np.eye(n, m, dtype=dt.np), dt, requires_grad))


@op("new_tensor", function=False)
def new_tensor(input: Tensor, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_pin_memory(pin_memory)
    if isinstance(data, Tensor):
        warnings.warn(_COPY_WARNING.format("tensor.new_tensor(sourceTensor)"), UserWarning, stacklevel=2)
        dt = dtype or data.dtype
        return _finish(np.array(data._data, dtype=dt.np), dt, requires_grad)
    return tensor(data, dtype=dtype or input.dtype, requires_grad=requires_grad)


def _new_factory(fill: Any) -> Any:
    def new(x: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
            layout: Any = None, pin_memory: bool = False) -> Tensor:
        _check_pin_memory(pin_memory)
        return _factory(fill, size, dtype or x.dtype, requires_grad)

    return new


new_zeros = op("new_zeros", function=False)(_new_factory(0))
new_ones = op("new_ones", function=False)(_new_factory(1))
new_empty = op("new_empty", function=False)(_new_factory(0))


@op("new_full", function=False)
def new_full(input: Tensor, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, layout: Any = None,
             pin_memory: bool = False) -> Tensor:
    _check_pin_memory(pin_memory)
    return _factory(fill_value, (size,), dtype or input.dtype, requires_grad)


def legacy_constructor(cls: type, *args: Any, **kwargs: Any) -> Tensor:
    """torch.Tensor(...): sizes give an uninitialised float tensor; data gives a float copy."""
    if args and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return zeros(tuple(args))
    if len(args) == 1:
        return tensor(args[0], dtype=dtypes.get_default_dtype())
    if not args:
        return zeros(0)
    raise TypeError("new(): invalid arguments")
