"""torch.fft: discrete Fourier transforms on numpy's pocketfft, with PyTorch's nodes and gradients.

Every transform is linear over the reals, so its gradient is its adjoint: the transform in the other direction
with the dual normalization ("backward" <-> "forward", "ortho" stays), the zero-padding or trimming of `n`/`s`
undone, a one-sided half spectrum padded back (r2c) or its doubled bins counted twice (c2r), and a real
input's gradient made real. The adjoints are computed on numpy arrays; under create_graph the same adjoints are composed of the fft
ops themselves (and conj, real, narrow, cat), so a second derivative flows through them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..registry import op
from ..tensor import Tensor
from ._core import result
from .complex_ops import conj, real
from .formula_node import node_class, record
from .joining import cat

_NS = "torch.fft"
_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}
_NORMS = ("backward", "forward", "ortho")


def _complex_of(dt: dtypes.dtype) -> dtypes.dtype:
    if dt.is_complex:
        return dt
    return dtypes.complex128 if dt is dtypes.float64 else dtypes.complex64


def _real_of(dt: dtypes.dtype) -> dtypes.dtype:
    if dt is dtypes.complex128 or dt is dtypes.float64:
        return dtypes.float64
    return dtypes.float32


def _float_input(x: Tensor) -> Tensor:
    """Integers and bools are transformed as the default floating dtype."""
    if x.dtype.is_floating_point or x.dtype.is_complex:
        return x
    return x.to(dtypes.get_default_dtype())


def _norm(norm: str | None, name: str) -> str:
    norm = "backward" if norm is None else norm
    if norm not in _NORMS:
        raise ValueError(f"Invalid normalization mode: {norm}")
    return norm


def _fit(a: np.ndarray, axes: tuple, sizes: tuple) -> np.ndarray:
    """Zero-pad or trim each axis to its size (what n= and s= do to the input)."""
    for ax, n in zip(axes, sizes):
        have = a.shape[ax]
        if have > n:
            a = np.take(a, np.arange(n), axis=ax)
        elif have < n:
            pad = [(0, 0)] * a.ndim
            pad[ax] = (0, n - have)
            a = np.pad(a, pad)
    return a


def _axes_sizes(x: Tensor, s: Any, dim: Any, default_all: bool, name: str) -> tuple:
    nd = x.dim()
    if dim is None:
        if s is not None:
            dims = tuple(range(nd - len(s), nd))
        else:
            dims = tuple(range(nd)) if default_all else (nd - 2, nd - 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = tuple(d % nd if nd else d for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{name} dims must be unique")
    if s is None:
        sizes = tuple(x.shape[d] for d in dims)
    else:
        s = (s,) if isinstance(s, int) else tuple(s)
        if len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        sizes = tuple(x.shape[d] if n == -1 else n for d, n in zip(dims, s))
    for n in sizes:
        if n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return dims, sizes


def _check_dim(x: Tensor, dim: int) -> int:
    nd = x.dim()
    if not -max(nd, 1) <= dim < max(nd, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(nd, 1)}, {max(nd, 1) - 1}], "
                         f"but got {dim})")
    return dim % max(nd, 1)


# ----- the adjoints ---------------------------------------------------------------------------------------

def _c2c_adjoint(g: np.ndarray, axes: tuple, norm: str, forward: bool) -> np.ndarray:
    fn = np.fft.ifftn if forward else np.fft.fftn
    return fn(g, axes=axes, norm=_DUAL[norm])


def _r2c_adjoint(g: np.ndarray, axes: tuple, sizes: tuple, norm: str) -> np.ndarray:
    """Adjoint of rfftn (one-sided on the last axis): pad the half spectrum with zeros, then the c2c adjoint."""
    full = _fit(g, axes[-1:], sizes[-1:])
    return np.real(np.fft.ifftn(full, axes=axes, norm=_DUAL[norm]))


def _c2r_adjoint(g: np.ndarray, axes: tuple, norm: str, half: int) -> np.ndarray:
    """Adjoint of irfftn: rfftn of the gradient with the dual normalization, the mirrored bins counted twice."""
    gi = np.fft.rfftn(g, axes=axes, norm=_DUAL[norm])
    last = axes[-1]
    double = g.shape[last] - gi.shape[last]
    if double > 0:
        index = [slice(None)] * gi.ndim
        index[last] = slice(1, 1 + double)
        gi[tuple(index)] *= 2
    return _fit(gi, (last,), (half,))


def _fit_tensor(t: Tensor, axes: tuple, sizes: tuple) -> Tensor:
    """_fit with differentiable ops: narrow to trim, a concatenated zero block to pad."""
    for ax, n in zip(axes, sizes):
        have = t.shape[ax]
        if have > n:
            t = t.narrow(ax, 0, n)
        elif have < n:
            shape = list(t.shape)
            shape[ax] = n - have
            t = cat([t, Tensor._wrap(np.zeros(shape, t.dtype.np), t.dtype)], ax)
    return t


def _grad_differentiable(node: Any, g: Tensor) -> Tensor:
    """The adjoint of _grad written with the fft ops themselves, for create_graph (a graph of their nodes)."""
    kind, axes, sizes, norm = node.kind, node.axes, node.sizes, node.norm
    dims = list(axes)
    if node.conj_out:
        g = conj(g)
    if kind == "c2c":
        gx = (ifftn if node.forward else fftn)(g, dim=dims, norm=_DUAL[norm])
    elif kind == "r2c":
        gx = real(ifftn(_fit_tensor(g, axes[-1:], sizes[-1:]), dim=dims, norm=_DUAL[norm]))
    else:
        gi = rfftn(g, dim=dims, norm=_DUAL[norm])
        last = axes[-1]
        double = g.shape[last] - gi.shape[last]
        if double > 0:  # the mirrored bins, counted twice
            scale = np.ones(gi.shape[last])
            scale[1:1 + double] = 2
            shape = [1] * gi.dim()
            shape[last] = gi.shape[last]
            gi = gi * Tensor._wrap(scale.reshape(shape).astype(_real_of(gi.dtype).np), _real_of(gi.dtype))
        gx = _fit_tensor(gi, (last,), (sizes[-1] // 2 + 1,))
    if node.conj_in:
        gx = conj(gx)
    gx = _fit_tensor(gx, axes, tuple(node.in_shape[a] for a in axes))
    if node.real and gx.dtype.is_complex:
        gx = real(gx)
    return gx


def _grad(node: Any, g: Tensor) -> tuple:
    if state.grad_enabled:
        return (_grad_differentiable(node, g),)
    kind, axes, sizes, norm, in_shape, real_in = node.kind, node.axes, node.sizes, node.norm, node.in_shape, node.real
    gd = g._data
    if node.conj_out:
        gd = np.conj(gd)
    if kind == "c2c":
        gx = _c2c_adjoint(gd, axes, norm, node.forward)
    elif kind == "r2c":
        gx = _r2c_adjoint(gd, axes, sizes, norm)
    else:
        gx = _c2r_adjoint(gd, axes, norm, sizes[-1] // 2 + 1)
    if node.conj_in:
        gx = np.conj(gx)
    gx = _fit(gx, axes, tuple(in_shape[a] for a in axes))
    dt = node.in_dtype
    if real_in:
        gx = np.real(gx)
    return (result(np.ascontiguousarray(gx), dt),)


_NODES = {name: node_class(name, _grad, module=__name__)
          for name in ("FftC2CBackward0", "FftR2CBackward0", "FftC2RBackward0", "ConjBackward0")}


def _transform(x: Tensor, kind: str, axes: tuple, sizes: tuple, norm: str, *, forward: bool = True,
               conj_in: bool = False, conj_out: bool = False, node: str, name: str) -> Tensor:
    """Run one transform and record its node. kind: c2c (fftn/ifftn), r2c (rfftn), c2r (irfftn)."""
    x = _float_input(x)
    a = x._data
    if kind == "r2c" and x.dtype.is_complex:
        raise RuntimeError(f"{name} expects a real input tensor, but got {x.dtype.scalar_name}")
    if conj_in:
        a = np.conj(a)
    if kind == "c2c":
        data = (np.fft.fftn if forward else np.fft.ifftn)(_fit(a, axes, sizes), axes=axes, norm=norm)
        dt = _complex_of(x.dtype)
    elif kind == "r2c":
        data = np.fft.rfftn(_fit(a, axes, sizes), axes=axes, norm=norm)
        dt = _complex_of(x.dtype)
    else:
        half = sizes[-1] // 2 + 1
        data = np.fft.irfftn(_fit(a, axes, sizes[:-1] + (half,)), s=sizes, axes=axes, norm=norm)
        dt = _real_of(x.dtype)
    if conj_out:
        data = np.conj(data)
    out = result(np.ascontiguousarray(data), dt)
    return record(out, _NODES[node], (x,), (), kind=kind, axes=axes, sizes=sizes, norm=norm, forward=forward,
                  conj_in=conj_in, conj_out=conj_out, in_shape=x._data.shape, in_dtype=x.dtype,
                  real=not x.dtype.is_complex, op_name=name)


def _one(x: Tensor, n: int | None, dim: int) -> tuple:
    d = _check_dim(x, dim)
    size = x.shape[d] if n is None else n
    if size < 1:
        raise RuntimeError(f"Invalid number of data points ({size}) specified")
    return (d,), (size,)


# ----- 1-D transforms ---------------------------------------------------------------------------------------

@op("fft", namespace=_NS, method=False, out=True)
def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    axes, sizes = _one(input, n, dim)
    if input.dtype.is_complex:
        return _transform(input, "c2c", axes, sizes, _norm(norm, "fft"), node="FftC2CBackward0", name="fft")
    # a real input: the two-sided spectrum, by r2c in PyTorch
    return _transform(input, "c2c", axes, sizes, _norm(norm, "fft"), node="FftR2CBackward0", name="fft")


@op("ifft", namespace=_NS, method=False, out=True)
def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    axes, sizes = _one(input, n, dim)
    node = "FftC2CBackward0" if input.dtype.is_complex else "ConjBackward0"
    return _transform(input, "c2c", axes, sizes, _norm(norm, "ifft"), forward=False, node=node, name="ifft")


@op("rfft", namespace=_NS, method=False, out=True)
def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    axes, sizes = _one(input, n, dim)
    return _transform(input, "r2c", axes, sizes, _norm(norm, "rfft"), node="FftR2CBackward0", name="rfft")


@op("irfft", namespace=_NS, method=False, out=True)
def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    d = _check_dim(input, dim)
    size = 2 * (input.shape[d] - 1) if n is None else n
    if size < 1:
        raise RuntimeError(f"Invalid number of data points ({size}) specified")
    return _transform(input, "c2r", (d,), (size,), _norm(norm, "irfft"), node="FftC2RBackward0", name="irfft")


@op("hfft", namespace=_NS, method=False, out=True)
def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    d = _check_dim(input, dim)
    size = 2 * (input.shape[d] - 1) if n is None else n
    if size < 1:
        raise RuntimeError(f"Invalid number of data points ({size}) specified")
    return _transform(input, "c2r", (d,), (size,), _DUAL[_norm(norm, "hfft")], conj_in=True,
                      node="FftC2RBackward0", name="hfft")


@op("ihfft", namespace=_NS, method=False, out=True)
def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    axes, sizes = _one(input, n, dim)
    return _transform(input, "r2c", axes, sizes, _DUAL[_norm(norm, "ihfft")], conj_out=True,
                      node="ConjBackward0", name="ihfft")


# ----- n-D transforms ---------------------------------------------------------------------------------------

def _nd(name: str, kind: str, *, forward: bool = True, default_all: bool = True, hermitian: bool = False) -> Any:
    def transform(input: Tensor, s: Any = None, dim: Any = None, norm: str | None = None) -> Tensor:
        norm = _norm(norm, name)
        if kind == "c2r":
            dims, sizes = _axes_sizes(input, s, dim, default_all, name)
            if s is None:
                sizes = sizes[:-1] + (2 * (input.shape[dims[-1]] - 1),)
            if hermitian:
                return _transform(input, "c2r", dims, sizes, _DUAL[norm], conj_in=True, node="FftC2RBackward0",
                                  name=name)
            return _transform(input, "c2r", dims, sizes, norm, node="FftC2RBackward0", name=name)
        dims, sizes = _axes_sizes(input, s, dim, default_all, name)
        if kind == "r2c":
            if hermitian:  # PyTorch: r2c on the last dim, conj, then c2c on the others (if any)
                node = "ConjBackward0" if len(dims) == 1 else "FftC2CBackward0"
                return _transform(input, "r2c", dims, sizes, _DUAL[norm], conj_out=True, node=node, name=name)
            return _transform(input, "r2c", dims, sizes, norm, node="FftR2CBackward0", name=name)
        return _transform(input, "c2c", dims, sizes, norm, forward=forward, node="FftC2CBackward0", name=name)

    transform.__name__ = transform.__qualname__ = name
    return op(name, namespace=_NS, method=False, out=True)(transform)


fft2 = _nd("fft2", "c2c", default_all=False)
fftn = _nd("fftn", "c2c")
ifft2 = _nd("ifft2", "c2c", forward=False, default_all=False)
ifftn = _nd("ifftn", "c2c", forward=False)
rfft2 = _nd("rfft2", "r2c", default_all=False)
rfftn = _nd("rfftn", "r2c")
irfft2 = _nd("irfft2", "c2r", default_all=False)
irfftn = _nd("irfftn", "c2r")
hfft2 = _nd("hfft2", "c2r", default_all=False, hermitian=True)
hfftn = _nd("hfftn", "c2r", hermitian=True)
ihfft2 = _nd("ihfft2", "r2c", default_all=False, hermitian=True)
ihfftn = _nd("ihfftn", "r2c", hermitian=True)


# ----- shifts and frequencies -------------------------------------------------------------------------------

def _roll_grad(node: Any, g: Tensor) -> tuple:
    return (_roll(g, tuple(-s for s in node.shifts), node.dims),)


RollBackward0 = node_class("RollBackward0", _roll_grad, module=__name__)


def _roll(x: Tensor, shifts: tuple, dims: tuple) -> Tensor:
    out = result(np.roll(x._data, shifts, axis=dims), x.dtype)
    return record(out, RollBackward0, (x,), (), shifts=shifts, dims=dims)


def _shift_dims(x: Tensor, dim: Any) -> tuple:
    if dim is None:
        return tuple(range(x.dim()))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return tuple(d % x.dim() for d in dims)


@op("fftshift", namespace=_NS, method=False)
def fftshift(input: Tensor, dim: Any = None) -> Tensor:
    dims = _shift_dims(input, dim)
    return _roll(input, tuple(input.shape[d] // 2 for d in dims), dims)


@op("ifftshift", namespace=_NS, method=False)
def ifftshift(input: Tensor, dim: Any = None) -> Tensor:
    dims = _shift_dims(input, dim)
    return _roll(input, tuple((input.shape[d] + 1) // 2 for d in dims), dims)


def _frequencies(data: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    dt = dtypes.get_default_dtype() if dtype is None else dtype
    out = result(data, dt)
    if requires_grad:
        out.requires_grad_(True)
    return out


@op("fftfreq", namespace=_NS, method=False, out=True)
def fftfreq(n: int, d: float = 1.0, *, dtype: Any = None, layout: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    return _frequencies(np.fft.fftfreq(n, d), dtype, requires_grad)


@op("rfftfreq", namespace=_NS, method=False, out=True)
def rfftfreq(n: int, d: float = 1.0, *, dtype: Any = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    return _frequencies(np.fft.rfftfreq(n, d), dtype, requires_grad)
