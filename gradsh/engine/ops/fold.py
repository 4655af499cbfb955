"""F.unfold (im2col, Im2ColBackward0) and F.fold (col2im, Col2ImBackward0): each is the other's backward."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _blocks(size: tuple, k: tuple, d: tuple, p: tuple, s: tuple) -> tuple[int, int]:
    return tuple((size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))


class Im2ColBackward0(Node):
    __slots__ = ("args", "size")

    def apply(self, grads: list) -> tuple:
        return (fold(grads[0], self.size, *self.args),)


class Col2ImBackward0(Node):
    __slots__ = ("args",)

    def apply(self, grads: list) -> tuple:
        return (unfold(grads[0], *self.args),)


def _attach(input: Tensor, data: np.ndarray, node_cls: type, **attrs: Any) -> Tensor:
    out = result(data, input.dtype)
    if state.recording and input._rg:
        node = node_cls((edge(input),))
        for k, v in attrs.items():
            setattr(node, k, v)
        attach(out, node)
    return out


@op("unfold", method=False, namespace="torch.nn.functional")
def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    x = input._data
    if x.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    k, d, p, s = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    batched = x.ndim == 4
    xb = x if batched else x[None]
    n, c, h, w = xb.shape
    oh, ow = _blocks((h, w), k, d, p, s)
    if oh < 1 or ow < 1:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({oh}, {ow}), but its components must be at least one.")
    xp = np.pad(xb, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    st = xp.strides
    win = as_strided(xp, (n, c, k[0], k[1], oh, ow),
                     (st[0], st[1], st[2] * d[0], st[3] * d[1], st[2] * s[0], st[3] * s[1]), writeable=False)
    cols = np.ascontiguousarray(win.reshape(n, c * k[0] * k[1], oh * ow))
    out = cols if batched else cols[0]
    return _attach(input, out, Im2ColBackward0, size=(h, w), args=(k, d, p, s))


@op("fold", method=False, namespace="torch.nn.functional")
def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    x = input._data
    if x.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    size, k, d, p, s = _pair(output_size), _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    batched = x.ndim == 3
    xb = x if batched else x[None]
    n, ckk, length = xb.shape
    if ckk % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={ckk} and kernel_size=({k[0]}, {k[1]}).")
    oh, ow = _blocks(size, k, d, p, s)
    if oh * ow != length:
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected "
                           f"size of input's dimension 2 to match the calculated number of sliding blocks {oh} * "
                           f"{ow} = {oh * ow}, but got input.size(2)={length}.")
    c = ckk // (k[0] * k[1])
    cols = xb.astype(np.float64).reshape(n, c, k[0], k[1], oh, ow)
    out = np.zeros((n, c, size[0] + 2 * p[0], size[1] + 2 * p[1]))
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, :, i * d[0]: i * d[0] + s[0] * (oh - 1) + 1: s[0],
                j * d[1]: j * d[1] + s[1] * (ow - 1) + 1: s[1]] += cols[:, :, i, j]
    out = out[:, :, p[0]: p[0] + size[0], p[1]: p[1] + size[1]]
    return _attach(input, out if batched else out[0], Col2ImBackward0, args=(k, d, p, s))


__all__ = ["fold", "unfold"]
