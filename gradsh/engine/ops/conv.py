"""Convolutions (1-d to 3-d, transposed, groups, dilation, strides) as PyTorch's aten::convolution.

Every form records one ConvolutionBackward0 (input, weight, bias). The forward is numpy: a strided
window view of the zero-padded input multiplied with the weight per group (im2col + matmul), and for
the transposed form the matmul's columns added back at their strided offsets (col2im). Values are
accumulated in float64 and rounded once. The backward is written with this same op, so it records
under create_graph: the input's gradient is the transposed convolution of the output's gradient (and
vice versa), the weight's gradient is a convolution of the input with the output's gradient with
stride and dilation swapped, cropped to the kernel size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from . import conv_transpose3d_exact
from ._core import attach, result, save, unpack, wrap
from .grad_linear import summed_grad
from .joining import cat
from .padding import pad as _pad

_ACC = np.float64


def _tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                           f"convolution dimensions, but got {name}={list(value)}")
    return value


def _acc_dtype(x: np.ndarray) -> Any:
    return np.complex128 if x.dtype.kind == "c" else _ACC


def _conv_forward(x: np.ndarray, w: np.ndarray, stride: tuple, padding: tuple, dilation: tuple,
                  groups: int) -> np.ndarray:
    """Cross-correlation of x (N, C, *L) with w (O, C/groups, *K)."""
    nd = len(stride)
    acc = _acc_dtype(x)
    xp = np.pad(x.astype(acc), [(0, 0), (0, 0)] + [(p, p) for p in padding])
    n = xp.shape[0]
    o, cg = w.shape[:2]
    k = w.shape[2:]
    lout = tuple((xp.shape[2 + i] - dilation[i] * (k[i] - 1) - 1) // stride[i] + 1 for i in range(nd))
    s = xp.strides
    windows = as_strided(
        xp,
        shape=(n, groups, cg, *lout, *k),
        strides=(s[0], s[1] * cg, s[1], *(s[2 + i] * stride[i] for i in range(nd)),
                 *(s[2 + i] * dilation[i] for i in range(nd))),
        writeable=False,
    )
    # (groups, N * Lout, Cg * K) @ (groups, Cg * K, Og)
    perm = (1, 0, *range(3, 3 + nd), 2, *range(3 + nd, 3 + 2 * nd))
    cols = windows.transpose(perm).reshape(groups, n * math.prod(lout), cg * math.prod(k))
    og = o // groups
    wm = w.astype(acc).reshape(groups, og, cg * math.prod(k)).transpose(0, 2, 1)
    out = cols @ wm  # (groups, N*Lout, Og)
    out = out.reshape(groups, n, *lout, og)
    return np.moveaxis(out, -1, 1).reshape(groups * og, n, *lout).swapaxes(0, 1)


def _conv_transpose_forward(x: np.ndarray, w: np.ndarray, stride: tuple, padding: tuple, output_padding: tuple,
                            dilation: tuple, groups: int) -> np.ndarray:
    """The adjoint of _conv_forward: x (N, C, *L), w (C, O/groups, *K)."""
    nd = len(stride)
    acc = _acc_dtype(x)
    n, c = x.shape[:2]
    lin = x.shape[2:]
    og = w.shape[1]
    k = w.shape[2:]
    cg = c // groups
    xm = np.moveaxis(x.astype(acc).reshape(n, groups, cg, math.prod(lin)), 0, 1)  # (G, N, Cg, L)
    xm = xm.transpose(0, 1, 3, 2).reshape(groups, -1, cg)  # (G, N*L, Cg)
    wm = w.astype(acc).reshape(groups, cg, og * math.prod(k))
    cols = (xm @ wm).reshape(groups, n, *lin, og, *k)
    lout = tuple((lin[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k[i] - 1) + output_padding[i] + 1
                 for i in range(nd))
    full = tuple(max(padding[i] + lout[i], (lin[i] - 1) * stride[i] + dilation[i] * (k[i] - 1) + 1)
                 for i in range(nd))
    out = np.zeros((groups, n, og, *full), dtype=acc)
    cols = np.moveaxis(cols, 2 + nd, 2)  # (G, N, Og, *L, *K)
    for kk in np.ndindex(*k):
        dst = tuple(slice(kk[i] * dilation[i], kk[i] * dilation[i] + (lin[i] - 1) * stride[i] + 1, stride[i])
                    for i in range(nd))
        out[(slice(None),) * 3 + dst] += cols[(Ellipsis, *kk)]
    out = out[(slice(None),) * 3 + tuple(slice(padding[i], padding[i] + lout[i]) for i in range(nd))]
    return out.transpose(1, 0, 2, *range(3, 3 + nd)).reshape(n, groups * og, *lout)


class ConvolutionBackward0(Node):
    __slots__ = ("dilation", "groups", "input", "output_padding", "padding", "stride", "transposed", "weight")
    saved = ("input", "weight")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        x, w = unpack(self.input, self), unpack(self.weight, self)
        (fx, _), (fw, _), (fb, _) = self.next_functions
        nd = len(self.stride)
        gx = gw = gb = None
        # PyTorch's float32 sums, in a backward that records nothing (the numpy result is a new array, so
        # hooks do not matter here, unlike plain_backward's views)
        exact = self.transposed and nd == 3 and not state.grad_enabled and x.dtype is g.dtype
        if fx is not None:
            gx_exact = None if not exact else conv_transpose3d_exact.input_grad(
                g._data, w._data, x.shape, self.stride, self.padding, self.output_padding, self.dilation, self.groups)
            if gx_exact is not None:
                gx = wrap(gx_exact, x.dtype)
            elif self.transposed:
                gx = convolution(g, w, None, self.stride, self.padding, self.dilation, False, (0,) * nd, self.groups)
                for i in range(nd):  # an output_padding of stride or more leaves extra rows: not the input's
                    if gx.shape[2 + i] != x.shape[2 + i]:
                        gx = gx.narrow(2 + i, 0, x.shape[2 + i])
            else:
                extra = tuple(
                    x.shape[2 + i] - ((g.shape[2 + i] - 1) * self.stride[i] - 2 * self.padding[i]
                                      + self.dilation[i] * (w.shape[2 + i] - 1) + 1)
                    for i in range(nd)
                )
                gx = convolution(g, w, None, self.stride, self.padding, self.dilation, True, extra, self.groups)
        if fw is not None:
            gw_exact = None if not exact else conv_transpose3d_exact.weight_grad(
                x._data, g._data, w.shape, self.stride, self.padding, self.dilation, self.output_padding, self.groups)
            gw = wrap(gw_exact, w.dtype) if gw_exact is not None else self._weight_grad(g, x, w)
        if fb is not None:
            gb = summed_grad("ConvolutionBackwardBackward0", g, [0, *range(2, 2 + nd)], (g.shape[1],), (x, w))
        return gx, gw, gb

    def _weight_grad(self, g: Tensor, x: Tensor, w: Tensor) -> Tensor:
        nd = len(self.stride)
        groups = self.groups
        data, kern = (g, x) if self.transposed else (x, g)
        cg_data = data.shape[1] // groups
        cg_kern = kern.shape[1] // groups
        parts = []
        for gi in range(groups):
            d = data.narrow(1, gi * cg_data, cg_data).transpose(0, 1)
            kk = kern.narrow(1, gi * cg_kern, cg_kern).transpose(0, 1)
            part = convolution(d, kk, None, self.dilation, self.padding, self.stride, False, (0,) * nd, 1)
            for i in range(nd):
                part = part.narrow(2 + i, 0, w.shape[2 + i])
            parts.append(part.transpose(0, 1))
        return parts[0] if groups == 1 else cat(parts, 0)


def _check(x: Tensor, w: Tensor, bias: Tensor | None, transposed: bool, groups: int, nd: int) -> None:
    if x.dtype is not w.dtype:
        raise RuntimeError(f"Input type ({x.dtype.scalar_name}) and weight type ({w.dtype.scalar_name}) should be "
                           "the same")
    if bias is not None and bias.dtype is not w.dtype:
        raise RuntimeError(f"Input type ({x.dtype.scalar_name}) and bias type ({bias.dtype.scalar_name}) should be "
                           "the same")
    if w._data.ndim != nd + 2 or x._data.ndim != nd + 2:
        raise RuntimeError(f"Expected {nd + 2}-dimensional input for {nd + 2}-dimensional weight "
                           f"{list(w.shape)}, but got {x._data.ndim}-dimensional input of size {list(x.shape)} instead")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    c = x._data.shape[1]
    if transposed:
        if c != w._data.shape[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size {list(w.shape)}, expected input{list(x.shape)} to have "
                f"{w._data.shape[0]} channels, but got {c} channels instead")
    elif c != w._data.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(w.shape)}, expected input{list(x.shape)} to have "
            f"{w._data.shape[1] * groups} channels, but got {c} channels instead")


@op("convolution", method=False)
def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Sequence[int], padding: Sequence[int],
                dilation: Sequence[int], transposed: bool, output_padding: Sequence[int], groups: int) -> Tensor:
    nd = weight._data.ndim - 2
    stride, padding = _tuple(stride, nd, "stride"), _tuple(padding, nd, "padding")
    dilation, output_padding = _tuple(dilation, nd, "dilation"), _tuple(output_padding, nd, "output_padding")
    _check(input, weight, bias, transposed, groups, nd)
    x, w = input._data, weight._data
    exact = None
    if transposed and nd == 3:  # PyTorch's float32 sums where it runs slow_conv_transpose3d (bias included)
        exact = conv_transpose3d_exact.forward(x, w, None if bias is None else bias._data, stride, padding,
                                               output_padding, dilation, groups)
    if exact is not None:
        data = exact
    elif transposed:
        data = _conv_transpose_forward(x, w, stride, padding, output_padding, dilation, groups)
    else:
        for i in range(nd):
            size = x.shape[2 + i] + 2 * padding[i]
            if size < dilation[i] * (w.shape[2 + i] - 1) + 1:
                raise RuntimeError(
                    f"Calculated padded input size per channel: ({' x '.join(str(x.shape[2 + j] + 2 * padding[j]) for j in range(nd))}). "
                    f"Kernel size: ({' x '.join(str(dilation[j] * (w.shape[2 + j] - 1) + 1) for j in range(nd))}). "
                    "Kernel size can't be greater than actual input size")
        data = _conv_forward(x, w, stride, padding, dilation, groups)
    if bias is not None and exact is None:
        data = data + bias._data.astype(data.dtype).reshape(-1, *([1] * nd))
    out = result(data, input.dtype)
    rg = [t is not None and t._rg for t in (input, weight, bias)]
    if state.recording and any(rg):
        node = ConvolutionBackward0((edge(input), edge(weight), edge(bias) if bias is not None else (None, 0)))
        node.input, node.weight = save(input), save(weight)
        node.stride, node.padding, node.dilation = stride, padding, dilation
        node.transposed, node.output_padding, node.groups = transposed, output_padding, groups
        attach(out, node)
    return out


def _same_padding(x: Tensor, weight: Tensor, stride: tuple, dilation: tuple) -> tuple[Tensor, tuple]:
    """padding='same': PyTorch pads symmetrically and adds the odd remainder on the right with F.pad."""
    nd = len(stride)
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    sym, extra = [], []
    for i in range(nd):
        total = dilation[i] * (weight._data.shape[2 + i] - 1)
        left = total // 2
        sym.append(left)
        extra.append(total - 2 * left)
    if any(extra):
        widths: list[int] = []
        for i in reversed(range(nd)):
            widths += [0, extra[i]]
        x = _pad(x, widths)
    return x, tuple(sym)


def _convnd(nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
            dilation: Any, groups: int) -> Tensor:
    stride, dilation = _tuple(stride, nd, "stride"), _tuple(dilation, nd, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            input, padding = _same_padding(input, weight, stride, dilation) if input._data.ndim else (input, 0)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    batched = input._data.ndim == nd + 2
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to conv{nd}d, but got "
                           f"input of size: {list(input.shape)}")
    x = input if batched else input.unsqueeze(0)
    out = convolution(x, weight, bias, stride, padding, dilation, False, (0,) * nd, groups)
    return out if batched else out.squeeze(0)


def _conv_transposend(nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
                      output_padding: Any, groups: int, dilation: Any) -> Tensor:
    batched = input._data.ndim == nd + 2
    if input._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to conv_transpose{nd}d, "
                           f"but got input of size: {list(input.shape)}")
    x = input if batched else input.unsqueeze(0)
    out = convolution(x, weight, bias, stride, padding, dilation, True, output_padding, groups)
    return out if batched else out.squeeze(0)


@op("conv1d", method=False)
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    return _convnd(1, input, weight, bias, stride, padding, dilation, groups)


@op("conv2d", method=False)
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    return _convnd(2, input, weight, bias, stride, padding, dilation, groups)


@op("conv3d", method=False)
def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    return _convnd(3, input, weight, bias, stride, padding, dilation, groups)


@op("conv_transpose1d", method=False)
def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    return _conv_transposend(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


@op("conv_transpose2d", method=False)
def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    return _conv_transposend(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


@op("conv_transpose3d", method=False)
def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    return _conv_transposend(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


# torch.nn.functional re-exports torch's conv functions under the same names
for _name, _fn in (("conv1d", conv1d), ("conv2d", conv2d), ("conv3d", conv3d), ("conv_transpose1d", conv_transpose1d),
                   ("conv_transpose2d", conv_transpose2d), ("conv_transpose3d", conv_transpose3d)):
    op(_name, method=False, namespace="torch.nn.functional")(_fn)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "convolution"]
