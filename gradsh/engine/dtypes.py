"""Dtypes as torch names them, their numpy storage, and PyTorch's type promotion."""

from __future__ import annotations

import numpy as np

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A torch dtype: prints as `torch.float32`; knows its numpy storage."""

    __slots__ = (
        "c_name",
        "category",
        "is_complex",
        "is_floating_point",
        "is_signed",
        "itemsize",
        "legacy_type",
        "name",
        "np",
        "scalar_name",
    )

    def __init__(self, name: str, np_dtype: type, category: int, legacy: str,
                 scalar_name: str, c_name: str, itemsize: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        self.is_signed = name not in ("uint8", "bool")
        self.itemsize = itemsize
        self.legacy_type = legacy
        self.scalar_name = scalar_name
        self.c_name = c_name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name

    def to_complex(self) -> dtype:
        return complex128 if self is float64 else complex64

    def to_real(self) -> dtype:
        return float64 if self is complex128 else float32


float32 = dtype("float32", np.float32, _FLOAT, "torch.FloatTensor", "Float", "float", 4)
float64 = dtype("float64", np.float64, _FLOAT, "torch.DoubleTensor", "Double", "double", 8)
float16 = dtype("float16", np.float16, _FLOAT, "torch.HalfTensor", "Half", "c10::Half", 2)
# numpy has no bfloat16: values live in float32 storage, rounded to bfloat16 precision.
bfloat16 = dtype("bfloat16", np.float32, _FLOAT, "torch.BFloat16Tensor", "BFloat16", "c10::BFloat16", 2)
complex64 = dtype("complex64", np.complex64, _COMPLEX, "torch.ComplexFloatTensor", "ComplexFloat",
                  "c10::complex<float>", 8)
complex128 = dtype("complex128", np.complex128, _COMPLEX, "torch.ComplexDoubleTensor", "ComplexDouble",
                   "c10::complex<double>", 16)
int8 = dtype("int8", np.int8, _INT, "torch.CharTensor", "Char", "signed char", 1)
uint8 = dtype("uint8", np.uint8, _INT, "torch.ByteTensor", "Byte", "unsigned char", 1)
int16 = dtype("int16", np.int16, _INT, "torch.ShortTensor", "Short", "short int", 2)
int32 = dtype("int32", np.int32, _INT, "torch.IntTensor", "Int", "int", 4)
int64 = dtype("int64", np.int64, _INT, "torch.LongTensor", "Long", "long int", 8)
bool_ = dtype("bool", np.bool_, _BOOL, "torch.BoolTensor", "Bool", "bool", 1)

ALL = (float32, float64, float16, bfloat16, complex64, complex128, int8, uint8, int16, int32, int64, bool_)
ALIASES = {
    "float": float32, "double": float64, "half": float16, "cfloat": complex64, "cdouble": complex128,
    "short": int16, "int": int32, "long": int64, "bool": bool_,
}
_BY_NP = {d.np: d for d in ALL if d is not bfloat16}


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The torch dtype of a numpy array's dtype (TypeError for ones torch lacks)."""
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
        ) from None


# The default floating dtype (torch.set_default_dtype); a one-element list so readers share it.
_default_float = [float32]


def get_default_dtype() -> dtype:
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    if not isinstance(d, dtype) or d not in (float32, float64, float16, bfloat16):
        raise TypeError("only floating-point types are supported as the default type")
    _default_float[0] = d


def default_complex() -> dtype:
    return complex128 if _default_float[0] is float64 else complex64


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: the higher category wins; within one, the wider type."""
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.is_complex and lo.is_floating_point and lo is float64:
            return complex128
        return hi
    if {a, b} == {float16, bfloat16}:
        return float32
    if a is bfloat16 or b is bfloat16:
        return b if a is bfloat16 else a
    return _BY_NP[np.promote_types(a.np, b.np)]


def scalar_category(value: object) -> int:
    kind = type(value)
    if kind is float:  # the common cases first, by exact type
        return _FLOAT
    if kind is int:
        return _INT
    if isinstance(value, (bool, np.bool_)):
        return _BOOL
    if isinstance(value, (int, np.integer)):
        return _INT
    if isinstance(value, (float, np.floating)):
        return _FLOAT
    return _COMPLEX


def dtype_for_scalar_category(category: int) -> dtype:
    """The dtype a lone Python scalar of a category becomes (torch.tensor(3.) etc.)."""
    return (bool_, int64, get_default_dtype(), default_complex())[category]


def result_type(dims: list[dtype], zero_dims: list[dtype], scalar_categories: list[int]) -> dtype:
    """PyTorch's promotion: dimensioned tensors, then 0-d tensors, then Python scalars,
    each group only raising the result when it brings a higher category."""
    result = None
    for group in (dims, zero_dims):
        group_type = None
        for d in group:
            group_type = d if group_type is None else promote_types(group_type, d)
        if group_type is None:
            continue
        if result is None:
            result = group_type
        elif group_type.category > result.category:
            result = promote_types(result, group_type) if group_type.is_complex and result.is_floating_point \
                else group_type
    if scalar_categories:
        top = max(scalar_categories)
        if result is None:
            return dtype_for_scalar_category(top)
        if top > result.category:
            if top == _COMPLEX and result.is_floating_point:
                return result.to_complex()
            return dtype_for_scalar_category(top)
    return result


def round_bfloat16(a: np.ndarray) -> np.ndarray:
    """Round float32 storage to bfloat16 precision (round half to even), as bfloat16 tensors hold."""
    a = np.asarray(a, dtype=np.float32, order="C")  # not ascontiguousarray: it makes a 0-d array 1-d
    bits = a.view(np.uint32)
    rounded = (bits + (0x7FFF + ((bits >> 16) & 1))) & 0xFFFF0000
    out = np.where(np.isnan(a), a, rounded.view(np.float32))
    return out.astype(np.float32, copy=False)
