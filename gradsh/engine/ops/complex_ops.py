"""Complex numbers: complex, polar, view_as_complex / view_as_real, real / imag, conj and the resolve_* ops.

Gradients follow PyTorch's convention for complex numbers: for a real loss L of z = x + iy, the gradient
autograd gives is dL/dx + i dL/dy (the conjugate Wirtinger derivative, times 2). A real input's gradient is
the real part of what flows back to it. gradsh keeps no lazy conjugate or negative bit: conj() conjugates at
once, so resolve_conj and resolve_neg have nothing to resolve and give the tensor itself, as PyTorch does for
a tensor without those bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..registry import op, tensor_property
from ..tensor import Tensor
from ._core import result
from .formula_node import OUTPUT, node_class, record
from .views import select

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)


def _complex_of(dt: dtypes.dtype) -> dtypes.dtype:
    return dtypes.complex128 if dt is dtypes.float64 else dtypes.complex64


def _real_of(dt: dtypes.dtype) -> dtypes.dtype:
    return dtypes.float64 if dt is dtypes.complex128 else dtypes.float32


# ----- view_as_real / view_as_complex: the two views every other complex op here is built on ---------------

def _view_as_real_grad(node: Any, g: Tensor) -> tuple:
    return (view_as_complex(g.contiguous()),)


def _view_as_complex_grad(node: Any, g: Tensor) -> tuple:
    return (view_as_real(g),)


ViewAsRealBackward0 = node_class("ViewAsRealBackward0", _view_as_real_grad, module=__name__)
ViewAsComplexBackward0 = node_class("ViewAsComplexBackward0", _view_as_complex_grad, module=__name__)


@op("view_as_real", method=False)
def view_as_real(input: Tensor) -> Tensor:
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    a = input._data
    real_dt = _real_of(input.dtype)
    # a view sharing the complex tensor's memory where numpy can make one (the last axis contiguous)
    last_contiguous = a.ndim == 0 or a.strides[-1] == a.itemsize
    data = a[..., None].view(real_dt.np) if last_contiguous else np.stack([a.real, a.imag], axis=-1)
    return record(Tensor._wrap(data, real_dt), ViewAsRealBackward0, (input,))


@op("view_as_complex", method=False)
def view_as_complex(input: Tensor) -> Tensor:
    if input.dtype not in _FLOATS:
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, but got a "
                           f"tensor of scalar type: {input.dtype.scalar_name}")
    if input._data.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    # numpy gives an empty array whatever strides; PyTorch's contiguous empty tensor has stride 1 there
    if input._data.size and input._data.strides[-1] != input._data.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    a = input._data
    data = a[..., 0] + 1j * a[..., 1]
    cdt = _complex_of(input.dtype)
    return record(result(data.astype(cdt.np), cdt), ViewAsComplexBackward0, (input,))


# ----- real, imag -----------------------------------------------------------------------------------------

@op("real", method=False)
def real(input: Tensor) -> Tensor:
    """The real part; a real tensor is its own real part (PyTorch returns the tensor itself)."""
    if not input.dtype.is_complex:
        return input
    return select(view_as_real(input), -1, 0)


@op("imag", method=False)
def imag(input: Tensor) -> Tensor:
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return select(view_as_real(input), -1, 1)


tensor_property("real", real)
tensor_property("imag", imag)


# ----- conj and friends ---------------------------------------------------------------------------------------

def _conj_grad(node: Any, g: Tensor) -> tuple:
    return (conj_physical(g) if g.dtype.is_complex else g,)


ConjBackward0 = node_class("ConjBackward0", _conj_grad, module=__name__)
ConjPhysicalBackward0 = node_class("ConjPhysicalBackward0", _conj_grad, module=__name__)


def _conjugated(input: Tensor, node: type) -> Tensor:
    return record(result(np.conj(input._data), input.dtype), node, (input,))


@op("conj")
def conj(input: Tensor) -> Tensor:
    if not input.dtype.is_complex:
        return input
    return _conjugated(input, ConjBackward0)


@op("conj_physical", inplace=True, out=True)
def conj_physical(input: Tensor) -> Tensor:
    if not input.dtype.is_complex:
        return input
    return _conjugated(input, ConjPhysicalBackward0)


@op("resolve_conj")
def resolve_conj(input: Tensor) -> Tensor:
    return input


@op("resolve_neg")
def resolve_neg(input: Tensor) -> Tensor:
    return input


@op("is_conj")
def is_conj(input: Tensor) -> bool:
    return False


@op("is_neg")
def is_neg(input: Tensor) -> bool:
    return False


# ----- complex, polar --------------------------------------------------------------------------------------

def _complex_grad(node: Any, g: Tensor) -> tuple:
    return (real(g), imag(g))


ComplexBackward0 = node_class("ComplexBackward0", _complex_grad, module=__name__)


def _check_pair(a: Tensor, b: Tensor) -> None:
    if a.dtype not in _FLOATS or b.dtype not in _FLOATS:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{a.dtype.scalar_name} and {b.dtype.scalar_name}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"Expected object of scalar type {a.dtype.scalar_name} but got scalar type "
                           f"{b.dtype.scalar_name} for second argument")


@op("complex", method=False, out=True)
def complex(real: Tensor, imag: Tensor) -> Tensor:
    _check_pair(real, imag)
    dt = _complex_of(real.dtype)
    data = np.empty(np.broadcast_shapes(real._data.shape, imag._data.shape), dt.np)
    data.real, data.imag = real._data, imag._data
    return record(result(data, dt), ComplexBackward0, (real, imag))


def _polar_grad(node: Any, g: Tensor, out: Tensor) -> tuple:
    # PyTorch's polar_backward: grad_abs = re(conj(g) sgn(z)), grad_angle = re(conj(g) z i)
    gc = conj_physical(g)
    return (real(gc * out.sgn()), real(gc * (out * 1j)))


PolarBackward0 = node_class("PolarBackward0", _polar_grad, module=__name__)


@op("polar", method=False, out=True)
def polar(abs: Tensor, angle: Tensor) -> Tensor:
    _check_pair(abs, angle)
    dt = _complex_of(abs.dtype)
    r, t = np.broadcast_arrays(abs._data, angle._data)
    data = np.empty(r.shape, dt.np)
    data.real, data.imag = r * np.cos(t), r * np.sin(t)
    return record(result(data, dt), PolarBackward0, (abs, angle), (OUTPUT,))
