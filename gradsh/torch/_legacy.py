"""PyTorch's older everyday surface: the typed tensor classes (torch.FloatTensor(...)), torch.__version__.

`torch.FloatTensor` is a class whose instances are the float32 tensors (isinstance works as on PyTorch)
and whose call is PyTorch's legacy constructor: sizes, data, or a tensor of that very dtype.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from gradsh.engine import creation, dtypes
from gradsh.engine.tensor import Size, Tensor

# the C++ names PyTorch prints in TensorOptions(dtype=...)
_CPP_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
    "uint8": "unsigned char", "int8": "signed char", "int16": "short int", "int32": "int", "int64": "long int",
    "bool": "bool", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
}


def _options(dt: dtypes.dtype) -> str:
    name = _CPP_NAMES.get(str(dt).rsplit(".", 1)[-1], str(dt))
    return (f"TensorOptions(dtype={name}, device=cpu, layout=Strided, requires_grad=false (default), "
            "pinned_memory=false (default), memory_format=(nullopt))")


class _TypedTensorMeta(type):
    """isinstance(t, torch.FloatTensor) holds for the float32 tensors."""

    dtype: dtypes.dtype

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        return _construct(cls.dtype, args)


def _construct(dt: dtypes.dtype, args: tuple) -> Tensor:
    if not args:
        return creation.zeros(0, dtype=dt)
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return creation.zeros(*args, dtype=dt)  # PyTorch leaves the memory uninitialised
    if len(args) == 1:
        data = args[0]
        if isinstance(data, Size):
            return creation.zeros(*data, dtype=dt)
        if isinstance(data, Tensor):
            if data.dtype is not dt:
                raise TypeError(f"expected {_options(dt)} (got {_options(data.dtype)})")
            return data.view_as(data)
        if isinstance(data, str):
            raise TypeError("new(): invalid data type 'str'")
        if isinstance(data, (list, tuple, np.ndarray, np.generic, float, complex)):
            return creation.tensor(data, dtype=dt)
    kinds = ", ".join(type(a).__name__ for a in args)
    raise TypeError(f"new() received an invalid combination of arguments - got ({kinds}), but expected one of:")


def _typed(name: str, dt: dtypes.dtype) -> type:
    cls = _TypedTensorMeta(name, (), {"dtype": dt, "__module__": "torch", "__qualname__": name})
    return cls


TYPED_TENSORS = {
    name: _typed(name, dt)
    for name, dt in {
        "FloatTensor": dtypes.float32, "DoubleTensor": dtypes.float64, "HalfTensor": dtypes.float16,
        "BFloat16Tensor": dtypes.bfloat16, "ByteTensor": dtypes.uint8, "CharTensor": dtypes.int8,
        "ShortTensor": dtypes.int16, "IntTensor": dtypes.int32, "LongTensor": dtypes.int64,
        "BoolTensor": dtypes.bool_,
    }.items()
}


class TorchVersion(str):
    """torch.__version__: a str that also compares with version strings and tuples ('2.13.0+cpu' >= '2.0')."""

    __slots__ = ()

    @staticmethod
    def _release(value: Any) -> tuple:
        if isinstance(value, tuple):
            return tuple(int(v) for v in value)
        match = re.match(r"\d+(\.\d+)*", str(value))
        if match is None:
            raise ValueError(f"Invalid version: '{value}'")
        return tuple(int(v) for v in match.group(0).split("."))

    def _key(self, value: Any, width: int) -> tuple:
        release = self._release(value)
        local = str(value).partition("+")[2] if isinstance(value, str) else ""
        # a local label ('+cpu') sorts after the plain release, as packaging.version orders them
        return release + (0,) * (width - len(release)), bool(local), local

    def _cmp(self, other: Any) -> int:
        width = max(len(self._release(self)), len(self._release(other)))
        a, b = self._key(str(self), width), self._key(other, width)
        return (a > b) - (a < b)

    def __lt__(self, other: Any) -> bool:
        return self._cmp(other) < 0

    def __le__(self, other: Any) -> bool:
        return self._cmp(other) <= 0

    def __gt__(self, other: Any) -> bool:
        return self._cmp(other) > 0

    def __ge__(self, other: Any) -> bool:
        return self._cmp(other) >= 0

    def __eq__(self, other: object) -> bool:
        try:
            return self._cmp(other) == 0
        except ValueError:
            return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__


TorchVersion.__module__ = "torch.torch_version"
VERSION = TorchVersion("2.13.0+cpu")  # the PyTorch whose behaviour gradsh reproduces
