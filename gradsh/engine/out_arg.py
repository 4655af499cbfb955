"""`out=`: the torch.* function of a declared op writing its result into a given tensor, by PyTorch's rules.

`with_out(name, forward)` builds that function once, at declaration time, with the forward's own
parameters plus a keyword-only `out=None` (so its signature, and Python's argument errors, are
PyTorch's). Without `out` it calls the forward directly; with it, it refuses autograd as PyTorch does,
runs the forward, and writes the result into `out`: cast to out's dtype where PyTorch may cast, out
resized (with PyTorch's deprecation warning when it held elements), its version bumped.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .changes import note
from .dtypes import from_numpy_dtype
from .grad_mode import state
from .tensor import Tensor

RESIZE_WARNING = (
    "An output with one or more elements was resized since it had shape [{old}], which does not match the "
    "required output shape [{new}]. This behavior is deprecated, and in a future PyTorch release outputs will "
    "not be resized unless they have zero elements. You can explicitly reuse an out tensor t by resizing it, "
    "inplace, to zero elements with t.resize_(0). (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/Resize.cpp:30.)"
)


def _requires_grad(value: Any) -> bool:
    if isinstance(value, Tensor):
        return value._rg
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, Tensor) and v._rg for v in value)
    return False


_NUMBER_DTYPES = {bool: np.bool_, int: np.int64, float: np.float64, complex: np.complex128}


def check_out(name: str, out: Any, inputs: tuple) -> Tensor:
    """Before the op runs: `out` as a tensor, and nothing may require grad while grad mode records.

    PyTorch's parser takes a Python number for a Tensor argument (a 0-d tensor of the number's widest
    dtype); anything else is a TypeError.
    """
    if isinstance(out, (tuple, list)) and out and all(isinstance(t, Tensor) for t in out):
        # a multi-result op (max with dim, sort, ...): one tensor a result
        for t in out:
            check_out(name, t, inputs)
        return tuple(out)
    if not isinstance(out, Tensor):
        if type(out) not in _NUMBER_DTYPES:
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        arr = np.array(out, dtype=_NUMBER_DTYPES[type(out)])
        out = Tensor._wrap(arr, from_numpy_dtype(arr.dtype))
    if state.grad_enabled and (out._rg or any(_requires_grad(v) for v in inputs)):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic differentiation, but one of the "
            "arguments requires grad."
        )
    return out


def _can_cast(src: Any, dst: Any) -> bool:
    """PyTorch's canCast: never complex to real, floating to integral, or anything but bool to bool."""
    if src.is_complex and not dst.is_complex:
        return False
    if src.is_floating_point and not (dst.is_floating_point or dst.is_complex):
        return False
    return not (dst.category == 0 and src.category != 0)


def write_out(out: Tensor, result: Any, stacklevel: int = 3, warn_resize: bool = True) -> Tensor:
    """The result's values into `out` (resized and cast as PyTorch does); returns `out` itself.

    `stacklevel` points the resize warning at the user's call (3: through a with_out function); the
    factories (zeros, randn, ...) resize without it (`warn_resize=False`).
    """
    if isinstance(result, tuple):
        if not isinstance(out, tuple) or len(out) != len(result):
            raise TypeError(f"out= needs a tuple of {len(result)} tensors here, got {type(out).__name__}")
        written = tuple(write_out(o, r, stacklevel + 1, warn_resize) for o, r in zip(out, result))
        kind = type(result)
        if kind is tuple or (hasattr(kind, "_fields") and not hasattr(kind, "_make")):
            return kind(written)  # a plain tuple or a torch.return_types result: built from one sequence
        return kind(*written)
    if isinstance(out, tuple):
        raise TypeError("out= is a tuple of tensors, but this op has one tensor result")
    if not isinstance(result, Tensor):
        raise TypeError("out= is only supported for ops with tensor results")
    if not _can_cast(result.dtype, out.dtype):
        raise RuntimeError(
            f"result type {result.dtype.scalar_name} can't be cast to the desired output type {out.dtype.scalar_name}"
        )
    shape = result._data.shape
    if out._data.shape != shape:
        if out._data.size and warn_resize:
            old = ", ".join(map(str, out._data.shape))
            warnings.warn(RESIZE_WARNING.format(old=old, new=", ".join(map(str, shape))), UserWarning, stacklevel=stacklevel)
        out._data = np.empty(shape, out.dtype.np)
    out._data[...] = result._data
    out._vc[0] += 1
    note(out)
    return out


def with_out(name: str, forward: Callable) -> Callable:
    """`forward` as a torch.* function that also takes `out=`; the same parameters otherwise."""
    namespace: dict[str, Any] = {"_forward": forward, "_check": check_out, "_write": write_out}
    params, call, inputs = [], [], []
    keyword_only = False
    var_keyword = None
    for i, p in enumerate(inspect.signature(forward).parameters.values()):
        default = ""
        if p.default is not p.empty:
            namespace[f"_default{i}"] = p.default
            default = f"=_default{i}"
        if p.kind is p.VAR_POSITIONAL:
            params.append("*" + p.name)
            call.append("*" + p.name)
            inputs.append(p.name)
            keyword_only = True
        elif p.kind is p.VAR_KEYWORD:
            var_keyword = p.name
        elif p.kind is p.KEYWORD_ONLY:
            if not keyword_only:
                params.append("*")
                keyword_only = True
            params.append(p.name + default)
            call.append(f"{p.name}={p.name}")
        else:
            params.append(p.name + default)
            call.append(p.name)
            inputs.append(p.name)
        if p.kind is p.POSITIONAL_ONLY:
            raise ValueError(f"{name}: positional-only parameters are not supported by with_out")
    if not keyword_only:
        params.append("*")
    params.append("out=None")
    if var_keyword:
        params.append("**" + var_keyword)
        call.append("**" + var_keyword)
    args = ", ".join(call)
    source = (
        f"def {name}({', '.join(params)}):\n"
        f"    if out is None:\n"
        f"        return _forward({args})\n"
        f"    out = _check({name!r}, out, ({', '.join(inputs)}{',' if inputs else ''}))\n"
        f"    return _write(out, _forward({args}))\n"
    )
    exec(source, namespace)  # noqa: S102 - built from the forward's own parameter names
    fn = namespace[name]
    fn.__doc__ = forward.__doc__
    fn.__module__ = forward.__module__
    fn.__wrapped_forward__ = forward
    return fn
