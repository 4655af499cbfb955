"""Pooling: max (with indices), average, adaptive average/max and power-average, 1-d to 3-d.

As in PyTorch the 1-d forms run the 2-d kernel on an unsqueezed input and squeeze the result
(SqueezeBackward1 over MaxPool2DWithIndicesBackward0). Max pooling keeps the flat index of each
window's first maximum (NaN wins, as PyTorch's `val > max || isnan(val)`), and its backward adds
the gradient at those indices with scatter_add. Average pooling's backward is a transposed
convolution with a kernel of ones; adaptive average pooling is one averaging matrix per dimension, so
its backward is matmuls. Every backward is made of Tensor ops and differentiates again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import creation, dtypes
from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result, save, unpack
from .conv import convolution
from .grad_linear import linear_in_grad
from .padding import constant_pad_nd


def _tuple(value: Any, nd: int, name: str, fn: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * nd
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * nd
    if len(value) != nd:
        raise RuntimeError(f"{fn}: {name} must either be a single int, or a tuple of {nd} ints")
    return value


def _first(value: Any) -> Any:
    """A 1-d pool's single size, given as an int or a one-element sequence."""
    return value if isinstance(value, int) else next(iter(value))


def _out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _geometry(x: np.ndarray, nd: int, k: tuple, s: tuple, p: tuple, d: tuple, ceil_mode: bool, fn: str) -> tuple:
    spatial = x.shape[-nd:]
    out = tuple(_out_size(spatial[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(nd))
    if any(o <= 0 for o in out):
        lead = x.shape[-nd - 1] if x.ndim > nd else 1
        given = "x".join(str(v) for v in (lead, *spatial))
        calc = "x".join(str(v) for v in (lead, *out))
        raise RuntimeError(f"Given input size: ({given}). Calculated output size: ({calc}). Output size is too small")
    return out


def _windows(xp: np.ndarray, nd: int, out: tuple, k: tuple, s: tuple, d: tuple) -> np.ndarray:
    """(..., *out, *k) strided view of the padded input."""
    st = xp.strides
    lead = xp.shape[:-nd]
    return as_strided(
        xp,
        shape=(*lead, *out, *k),
        strides=(*st[:-nd], *(st[-nd + i] * s[i] for i in range(nd)), *(st[-nd + i] * d[i] for i in range(nd))),
        writeable=False,
    )


def _pad_for(x: np.ndarray, nd: int, out: tuple, k: tuple, s: tuple, p: tuple, d: tuple, fill: float) -> np.ndarray:
    """x padded by p on the left and enough on the right for every window (ceil mode may overhang)."""
    widths = [(0, 0)] * (x.ndim - nd)
    for i in range(nd):
        need = (out[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1
        widths.append((p[i], max(need - x.shape[x.ndim - nd + i] - p[i], 0)))
    return np.pad(x, widths, constant_values=fill)


# ----- max pooling -----------------------------------------------------------------------------------------

class _IndexedPoolBackward(Node):
    """Adds the gradient at the saved flat indices of the input's spatial block."""

    __slots__ = ("indices", "nd", "shape", "x")
    saved = ("x",)

    def apply(self, grads: list) -> tuple:
        lead = self.shape[: len(self.shape) - self.nd]
        b = math.prod(lead)
        block = math.prod(self.shape[len(lead):])
        # index_add on the flattened input (row offsets added): differentiable, unlike scatter(reduce=)
        rows = np.arange(b, dtype=np.int64).reshape(b, 1) * block
        idx = Tensor._wrap((self.indices.reshape(b, -1) + rows).reshape(-1), dtypes.int64)
        shape, out_shape = self.shape, self.indices.shape

        def scatter(g: Tensor, x: Tensor) -> Tensor:
            zeros = creation.zeros(b * block, dtype=g.dtype)
            return zeros.index_add(0, idx, g.reshape(-1)).reshape(shape)

        def gather(gg: Tensor) -> Tensor:  # scatter's transpose: PyTorch's max_pool_double_backward
            return gg.reshape(-1).index_select(0, idx).reshape(out_shape)

        name = type(self).__name__[:-1] + "Backward0"
        return (linear_in_grad(name, scatter, grads[0], (unpack(self.x, self),), gather),)


class MaxPool2DWithIndicesBackward0(_IndexedPoolBackward):
    __slots__ = ()


class MaxPool3DWithIndicesBackward0(_IndexedPoolBackward):
    __slots__ = ()


class AdaptiveMaxPool2DBackward0(_IndexedPoolBackward):
    __slots__ = ()


class AdaptiveMaxPool3DBackward0(_IndexedPoolBackward):
    __slots__ = ()


def _flat_index(arg: np.ndarray, nd: int, out: tuple, k: tuple, s: tuple, p: tuple, d: tuple,
                spatial: tuple) -> np.ndarray:
    """Window-local argmax -> flat index into the input's spatial block."""
    local = np.unravel_index(arg, k)
    flat = np.zeros(arg.shape, dtype=np.int64)
    for i in range(nd):
        shape = [1] * arg.ndim
        shape[arg.ndim - nd + i] = out[i]
        start = (np.arange(out[i]) * s[i] - p[i]).reshape(shape)
        flat = flat * spatial[i] + start + local[i] * d[i]
    return flat


def _lowest(np_dtype: np.dtype) -> Any:
    """The fill that never beats a real value: -inf for floats, the smallest integer otherwise."""
    return -np.inf if np_dtype.kind in "fc" else np.iinfo(np_dtype).min


def _skip_padding(arg: np.ndarray, x: np.ndarray, nd: int, out: tuple, k: tuple, s: tuple, p: tuple,
                  d: tuple) -> np.ndarray:
    """PyTorch's kernel never picks a padded position: where every real value ties the fill (all -inf,
    or the integer minimum) it keeps the window's first real position instead."""
    real = np.ones(x.shape[-nd:], dtype=bool)
    mask = _windows(_pad_for(real, nd, out, k, s, p, d, False), nd, out, k, s, d).reshape(*out, math.prod(k))
    chosen_real = np.take_along_axis(np.broadcast_to(mask, arg.shape + mask.shape[-1:]), arg[..., None], -1)
    return np.where(chosen_real[..., 0], arg, mask.argmax(-1))


def _max_pool(input: Tensor, nd: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool,
              fn: str) -> tuple[Tensor, Tensor]:
    x = input._data
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    if x.dtype == np.bool_:
        raise NotImplementedError(f"\"{fn}\" not implemented for 'Bool'")
    k = _tuple(kernel_size, nd, "kernel_size", fn)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _tuple(stride, nd, "stride", fn)
    p, d = _tuple(padding, nd, "padding", fn), _tuple(dilation, nd, "dilation", fn)
    for i in range(nd):
        if p[i] > (d[i] * (k[i] - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p[i]}, "
                               f"kernel_size={k[i]} and dilation={d[i]}")
    out = _geometry(x, nd, k, s, p, d, ceil_mode, fn)
    win = _windows(_pad_for(x, nd, out, k, s, p, d, _lowest(x.dtype)), nd, out, k, s, d)
    win = win.reshape(*x.shape[:-nd], *out, math.prod(k))
    arg = win.argmax(-1)  # numpy's argmax stops at the first NaN, as PyTorch's kernel does
    if any(p):
        arg = _skip_padding(arg, x, nd, out, k, s, p, d)
    values = np.take_along_axis(win, arg[..., None], -1)[..., 0]
    indices = _flat_index(arg, nd, out, k, s, p, d, x.shape[-nd:])
    res = result(np.ascontiguousarray(values), input.dtype)
    idx = Tensor._wrap(indices, dtypes.int64)
    if state.recording and input._rg:
        node = (MaxPool2DWithIndicesBackward0 if nd == 2 else MaxPool3DWithIndicesBackward0)((edge(input),))
        node.indices, node.shape, node.nd, node.x = indices, x.shape, nd, save(input)
        attach(res, node)
    return res, idx


def _max_pool1d(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool,
                indexed: bool = True) -> tuple:
    # PyTorch's two 1d kernels (with and without indices) word their checks differently
    if input._data.ndim not in (2, 3):
        if indexed:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input._data.ndim}-dimensional tensor for "
                               "argument #1 'self' (while checking arguments for max_pool1d)")
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(input.shape)}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"max_pool1d_impl\" not implemented for 'Bool'")
    one = _first
    stride = None if stride is None or (not isinstance(stride, int) and len(stride) == 0) else (1, one(stride))
    out, idx = _max_pool(input.unsqueeze(-2), 2, (1, one(kernel_size)), stride, (0, one(padding)),
                         (1, one(dilation)), ceil_mode, "max_pool1d")
    return out.squeeze(-2), idx.squeeze(-2)


@op("max_pool1d", method=False, namespace="torch.nn.functional")
def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    out, idx = _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    return (out, idx) if return_indices else out


@op("max_pool2d", method=False, namespace="torch.nn.functional")
def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    out, idx = _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    return (out, idx) if return_indices else out


@op("max_pool3d", method=False, namespace="torch.nn.functional")
def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    out, idx = _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, "max_pool3d")
    return (out, idx) if return_indices else out


# ----- average pooling -------------------------------------------------------------------------------------

class _AvgPoolBackward(Node):
    __slots__ = ("divisor", "kernel", "nd", "padding", "shape", "stride", "x")
    saved = ("x",)

    def apply(self, grads: list) -> tuple:
        nd, shape, kernel, stride, padding = self.nd, self.shape, self.kernel, self.stride, self.padding
        lead = shape[: len(shape) - nd]
        b = math.prod(lead)
        out_shape = grads[0].shape

        def divisor(dt: dtypes.dtype) -> Tensor:
            return Tensor._wrap(self.divisor.astype(dt.np), dt)

        def spread(g: Tensor, x: Tensor) -> Tensor:
            scaled = (g / divisor(g.dtype)).reshape(b, 1, *g.shape[-nd:])
            ones = creation.ones((1, 1, *kernel), dtype=g.dtype)
            full = convolution(scaled, ones, None, stride, (0,) * nd, (1,) * nd, True, (0,) * nd, 1)
            widths: list[int] = []
            for i in reversed(range(nd)):
                need = padding[i] + shape[len(lead) + i] - full.shape[2 + i]
                widths += [0, max(need, 0)]
            if any(widths):
                full = constant_pad_nd(full, widths)
            for i in range(nd):
                full = full.narrow(2 + i, padding[i], shape[len(lead) + i])
            return full.reshape(shape)

        def pool(gg: Tensor) -> Tensor:  # spread's transpose: the average pooling of gg, PyTorch's formula
            full = gg.reshape(b, 1, *shape[len(lead):])
            widths: list[int] = []
            for i in reversed(range(nd)):
                size = (out_shape[len(out_shape) - nd + i] - 1) * stride[i] + kernel[i]
                widths += [padding[i], max(size - padding[i] - shape[len(lead) + i], 0)]
            full = constant_pad_nd(full, widths)
            ones = creation.ones((1, 1, *kernel), dtype=gg.dtype)
            sums = convolution(full, ones, None, stride, (0,) * nd, (1,) * nd, False, (0,) * nd, 1)
            for i in range(nd):
                sums = sums.narrow(2 + i, 0, out_shape[len(out_shape) - nd + i])
            return sums.reshape(out_shape) / divisor(gg.dtype)

        name = type(self).__name__[:-1] + "Backward0"
        return (linear_in_grad(name, spread, grads[0], (unpack(self.x, self),), pool),)


class AvgPool2DBackward0(_AvgPoolBackward):
    __slots__ = ()


class AvgPool3DBackward0(_AvgPoolBackward):
    __slots__ = ()


def _avg_divisor(spatial: tuple, out: tuple, k: tuple, s: tuple, p: tuple, count_include_pad: bool,
                 divisor_override: int | None) -> np.ndarray:
    if divisor_override is not None:
        return np.full(out, float(divisor_override))
    counts = []
    for i in range(len(out)):
        start = np.arange(out[i]) * s[i] - p[i]
        end = np.minimum(start + k[i], spatial[i] + p[i])
        size = end - start
        if not count_include_pad:
            size = np.minimum(end, spatial[i]) - np.maximum(start, 0)
        counts.append(size.astype(np.float64))
    div = counts[0]
    for c in counts[1:]:
        div = np.multiply.outer(div, c)
    return div


def _avg_pool(input: Tensor, nd: int, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: int | None, fn: str) -> Tensor:
    x = input._data
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    if x.dtype == np.bool_:
        raise NotImplementedError(f"\"{fn}\" not implemented for 'Bool'")
    k = _tuple(kernel_size, nd, "kernel_size", fn)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _tuple(stride, nd, "stride", fn)
    p = _tuple(padding, nd, "padding", fn)
    for i in range(nd):
        if p[i] > k[i] // 2:
            raise RuntimeError(f"pad should be at most half of kernel size, but got pad={p[i]}, kernel_size={k[i]}")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    ones = (1,) * nd
    out = _geometry(x, nd, k, s, p, ones, ceil_mode, fn)
    xp = _pad_for(x.astype(np.float64), nd, out, k, s, p, ones, 0.0)
    sums = _windows(xp, nd, out, k, s, ones).reshape(*x.shape[:-nd], *out, math.prod(k)).sum(-1)
    divisor = _avg_divisor(x.shape[-nd:], out, k, s, p, count_include_pad, divisor_override)
    res = result(sums / divisor, input.dtype)
    if state.recording and input._rg:
        node = (AvgPool2DBackward0 if nd == 2 else AvgPool3DBackward0)((edge(input),))
        node.divisor, node.kernel, node.stride, node.padding = divisor, k, s, p
        node.shape, node.nd, node.x = x.shape, nd, save(input)
        attach(res, node)
    return res


@op("avg_pool1d", method=False)
def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"avg_pool1d() Expected 2D or 3D input tensor, but got {list(input.shape)}")
    one = _first
    stride = None if stride is None or (not isinstance(stride, int) and len(stride) == 0) else (1, one(stride))
    out = _avg_pool(input.unsqueeze(-2), 2, (1, one(kernel_size)), stride, (0, one(padding)), ceil_mode,
                    count_include_pad, None, "avg_pool1d")
    return out.squeeze(-2)


@op("avg_pool2d", method=False)
def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    return _avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool2d")


@op("avg_pool3d", method=False)
def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    return _avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool3d")


# ----- adaptive pooling ------------------------------------------------------------------------------------

def _adaptive_bounds(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    i = np.arange(out)
    return (i * n) // out, -((-(i + 1) * n) // out)


def _adaptive_sizes(x: np.ndarray, nd: int, output_size: Any, fn: str) -> tuple[int, ...]:
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{fn}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(x.shape)}")
    sizes = (output_size,) * nd if isinstance(output_size, int) or output_size is None else tuple(output_size)
    if len(sizes) == 1 and nd > 1:
        sizes = sizes * nd
    if len(sizes) != nd:
        raise RuntimeError(f"{fn}: output_size must be {nd}")
    return tuple(x.shape[-nd + i] if v is None else int(v) for i, v in enumerate(sizes))


def _averaging_matrix(n: int, out: int) -> np.ndarray:
    start, end = _adaptive_bounds(n, out)
    m = np.zeros((out, n))
    for i in range(out):
        m[i, start[i]:end[i]] = 1.0 / (end[i] - start[i])
    return m


class _AdaptiveAvgPoolBackward(Node):
    __slots__ = ("mats", "nd", "x")
    saved = ("x",)

    def apply(self, grads: list) -> tuple:
        mats, nd = self.mats, self.nd

        def spread(g: Tensor, x: Tensor, transpose: bool = False) -> Tensor:
            for i, m in enumerate(mats):
                dim = g.dim() - nd + i
                mt = Tensor._wrap((m.T if transpose else m).astype(g.dtype.np), g.dtype)
                g = g.movedim(dim, -1).matmul(mt).movedim(-1, dim)
            return g

        def pool(gg: Tensor) -> Tensor:  # spread's transpose: the adaptive average pooling of gg
            return spread(gg, gg, transpose=True)

        name = type(self).__name__[:-1] + "Backward0"
        return (linear_in_grad(name, spread, grads[0], (unpack(self.x, self),), pool),)


class AdaptiveAvgPool2DBackward0(_AdaptiveAvgPoolBackward):
    __slots__ = ()


class AdaptiveAvgPool3DBackward0(_AdaptiveAvgPoolBackward):
    __slots__ = ()


def _adaptive_avg(input: Tensor, nd: int, output_size: Any, fn: str) -> Tensor:
    x = input._data
    out = _adaptive_sizes(x, nd, output_size, fn)
    if all(o == 1 for o in out):
        return input.mean(list(range(-nd, 0)), keepdim=True)
    data = x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)
    mats = []
    for i in range(nd):
        m = _averaging_matrix(x.shape[-nd + i], out[i])
        mats.append(m)
        data = np.moveaxis(np.moveaxis(data, x.ndim - nd + i, -1) @ m.T, -1, x.ndim - nd + i)
    res = result(data, input.dtype)
    if state.recording and input._rg:
        node = (AdaptiveAvgPool2DBackward0 if nd == 2 else AdaptiveAvgPool3DBackward0)((edge(input),))
        node.mats, node.nd, node.x = mats, nd, save(input)
        attach(res, node)
    return res


@op("adaptive_avg_pool1d", method=False)
def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    size = _first(output_size)
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_avg_pool1d(): Expected 2D or 3D tensor, but got {list(input.shape)}")
    return _adaptive_avg(input.unsqueeze(-2), 2, (1, size), "adaptive_avg_pool1d").squeeze(-2)


@op("adaptive_avg_pool2d", method=False, namespace="torch.nn.functional")
def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    return _adaptive_avg(input, 2, output_size, "adaptive_avg_pool2d")


@op("adaptive_avg_pool3d", method=False, namespace="torch.nn.functional")
def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    return _adaptive_avg(input, 3, output_size, "adaptive_avg_pool3d")


def _adaptive_max(input: Tensor, nd: int, output_size: Any, fn: str) -> tuple[Tensor, Tensor]:
    x = input._data
    out = _adaptive_sizes(x, nd, output_size, fn)
    spatial = x.shape[-nd:]
    lead = x.shape[:-nd]
    bounds = [_adaptive_bounds(spatial[i], out[i]) for i in range(nd)]
    values = np.empty((*lead, *out), dtype=x.dtype)
    indices = np.empty((*lead, *out), dtype=np.int64)
    for pos in np.ndindex(*out):
        starts = [int(bounds[i][0][pos[i]]) for i in range(nd)]
        ends = [int(bounds[i][1][pos[i]]) for i in range(nd)]
        box = x[(Ellipsis, *(slice(a, b) for a, b in zip(starts, ends)))].reshape(
            *lead, math.prod(b - a for a, b in zip(starts, ends)))
        arg = box.argmax(-1)
        local = np.unravel_index(arg, [b - a for a, b in zip(starts, ends)])
        flat = np.zeros(arg.shape, dtype=np.int64)
        for i in range(nd):
            flat = flat * spatial[i] + starts[i] + local[i]
        values[(Ellipsis, *pos)] = np.take_along_axis(box, arg[..., None], -1)[..., 0]
        indices[(Ellipsis, *pos)] = flat
    res = result(values, input.dtype)
    if state.recording and input._rg:
        node = (AdaptiveMaxPool2DBackward0 if nd == 2 else AdaptiveMaxPool3DBackward0)((edge(input),))
        node.indices, node.shape, node.nd, node.x = indices, x.shape, nd, save(input)
        attach(res, node)
    return res, Tensor._wrap(indices, dtypes.int64)


@op("adaptive_max_pool1d", method=False, namespace="torch.nn.functional")
def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    size = _first(output_size)
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_max_pool1d(): Expected 2D or 3D tensor, but got {list(input.shape)}")
    out, idx = _adaptive_max(input.unsqueeze(-2), 2, (1, size), "adaptive_max_pool1d")
    out, idx = out.squeeze(-2), idx.squeeze(-2)
    return (out, idx) if return_indices else out


@op("adaptive_max_pool2d", method=False, namespace="torch.nn.functional")
def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    out, idx = _adaptive_max(input, 2, output_size, "adaptive_max_pool2d")
    return (out, idx) if return_indices else out


@op("adaptive_max_pool3d", method=False, namespace="torch.nn.functional")
def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    out, idx = _adaptive_max(input, 3, output_size, "adaptive_max_pool3d")
    return (out, idx) if return_indices else out


# ----- power-average pooling (composite in PyTorch too) ------------------------------------------------

def _lp_pool(input: Tensor, nd: int, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool) -> Tensor:
    k = _tuple(kernel_size, nd, "kernel_size", f"lp_pool{nd}d")
    pool = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    if stride is not None:
        out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = pool(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return (out.sign() * out.abs().relu()).mul(math.prod(k)).pow(1.0 / norm_type)


@op("lp_pool1d", method=False, namespace="torch.nn.functional")
def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    return _lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode)


@op("lp_pool2d", method=False, namespace="torch.nn.functional")
def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    return _lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode)


@op("lp_pool3d", method=False, namespace="torch.nn.functional")
def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    return _lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode)


def _declare_functional(names: Sequence[str]) -> None:
    """torch.nn.functional offers these torch.* pooling functions under the same names."""
    for name in names:
        op(name, method=False, namespace="torch.nn.functional")(globals()[name])


_declare_functional(["avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d"])


# torch.max_pool*d take no return_indices (the functional forms do); torch.adaptive_max_pool1d returns both
@op("max_pool1d", method=False)
def torch_max_pool1d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0, dilation: Any = 1,
                     ceil_mode: bool = False) -> Tensor:
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


@op("max_pool2d", method=False)
def torch_max_pool2d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0, dilation: Any = 1,
                     ceil_mode: bool = False) -> Tensor:
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


@op("max_pool3d", method=False)
def torch_max_pool3d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0, dilation: Any = 1,
                     ceil_mode: bool = False) -> Tensor:
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode)


@op("adaptive_max_pool1d", method=False)
def torch_adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple:
    return adaptive_max_pool1d(input, output_size, True)

__all__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "adaptive_max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "lp_pool1d",
    "lp_pool2d", "lp_pool3d", "max_pool1d", "max_pool2d", "max_pool3d",
]

for _fn in (torch_max_pool1d, torch_max_pool2d, torch_max_pool3d, torch_adaptive_max_pool1d):
    _fn.__name__ = _fn.__qualname__ = _fn.__name__.removeprefix("torch_")  # PyTorch's name in TypeErrors
