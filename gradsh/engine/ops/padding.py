"""F.pad: constant, reflect, replicate and circular padding of the last dimensions, with PyTorch's nodes.

Constant padding (negative widths crop) records ConstantPadNdBackward0, whose backward is the same
op with the widths negated. The other modes gather along each padded dimension with an index array
(ReflectionPad2DBackward0, ReplicationPad1DBackward0, ...; circular is CopySlices in PyTorch, which
builds it from slice copies); their backward scatters the gradient back with index_add, so both
backwards are Tensor ops and differentiate again under create_graph.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import creation, dtypes
from ..grad_mode import state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result, save, unpack
from .grad_linear import linear_in_grad

_MODES = ("constant", "reflect", "replicate", "circular")


def _pairs(pad: Sequence[int], ndim: int) -> list[tuple[int, int, int]]:
    """(dim, before, after) for each padded dimension, the last dimension first as F.pad counts them."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension but got padding "
            f"length {len(pad)} and input of dimension {ndim}"
        )
    return [(ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)]


class ConstantPadNdBackward0(Node):
    __slots__ = ("pad",)

    def apply(self, grads: list) -> tuple:
        return (constant_pad_nd(grads[0], [-p for p in self.pad]),)


@op("constant_pad_nd", method=False)
def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:
    x = input._data
    pairs = _pairs(pad, x.ndim)
    shape = list(x.shape)
    src = [slice(None)] * x.ndim
    dst = [slice(None)] * x.ndim
    for d, before, after in pairs:
        n = x.shape[d]
        new = n + before + after
        if new < 0:
            raise RuntimeError(
                f"The input size {n}, plus negative padding {before} and {after} resulted in a negative output "
                f"size, which is invalid. Check dimension {d} of your input."
            )
        shape[d] = new
        src[d] = slice(max(-before, 0), n - max(-after, 0))
        dst[d] = slice(max(before, 0), max(before, 0) + max(n - max(-before, 0) - max(-after, 0), 0))
    out_data = np.full(shape, value, dtype=x.dtype)
    out_data[tuple(dst)] = x[tuple(src)]
    out = result(out_data, input.dtype)
    if state.recording and input._rg:
        node = ConstantPadNdBackward0((edge(input),))
        node.pad = [int(p) for p in pad]
        attach(out, node)
    return out


def _source_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each output position along one dimension, the input position it copies."""
    if mode == "circular":  # negative widths crop first, then the rest wraps around what is left
        lo, hi = max(-before, 0), n - max(-after, 0)
        pos = np.arange(-max(before, 0), hi - lo + max(after, 0))
        return lo + pos % (hi - lo)
    pos = np.arange(-before, n + after)
    if mode == "reflect":
        period = 2 * (n - 1)
        pos = np.abs(pos) % period if period else np.zeros_like(pos)
        return np.where(pos >= n, period - pos, pos)
    return np.clip(pos, 0, n - 1)  # replicate


class _GatherPadBackward(Node):
    __slots__ = ("indices", "shapes", "x")
    saved = ("x",)

    def apply(self, grads: list) -> tuple:
        indices, shapes = self.indices, self.shapes

        def scatter(g: Tensor, x: Tensor) -> Tensor:
            for (d, idx), shape in zip(reversed(indices), reversed(shapes)):
                zeros = creation.zeros(shape, dtype=g.dtype)
                g = zeros.index_add(d, Tensor._wrap(idx, dtypes.int64), g)
            return g

        def gather(gg: Tensor) -> Tensor:  # scatter's transpose: the padding of gg
            for d, idx in indices:
                gg = gg.index_select(d, Tensor._wrap(idx, dtypes.int64))
            return gg

        name = type(self).__name__
        if name == "CopySlices":  # circular padding: PyTorch's graph is a copy into slices, not one node
            return (scatter(grads[0], None),)
        return (linear_in_grad(name[:-1] + "Backward0", scatter, grads[0], (unpack(self.x, self),), gather),)


_NODES: dict[str, type] = {}


def _pad_node(mode: str, nd: int) -> type:
    name = "CopySlices" if mode == "circular" else f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{nd}DBackward0"
    if name not in _NODES:
        _NODES[name] = type(name, (_GatherPadBackward,), {"__slots__": ()})
    return _NODES[name]


def _check_gather_pad(x: np.ndarray, pairs: list, mode: str) -> None:
    nd = len(pairs)
    if x.ndim not in (nd + 1, nd + 2):
        raise NotImplementedError(
            "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now"
        )
    for d, before, after in pairs:
        n = x.shape[d]
        if mode == "reflect" and (before >= n or after >= n):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({before}, {after}) at dimension {d} of input {list(x.shape)}"
            )
        if mode == "circular" and (before > n or after > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode != "circular" and (before < 0 or after < 0) and mode == "replicate" and n + before + after <= 0:
            raise RuntimeError(f"input (D: {n}) is too small. Calculated output D: {n + before + after}")


@op("pad", method=False, namespace="torch.nn.functional")
def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    x = input._data
    pairs = _pairs(pad, x.ndim)
    _check_gather_pad(x, pairs, mode)
    indices, shapes = [], []
    data = x
    for d, before, after in pairs:
        idx = _source_index(x.shape[d], before, after, mode)
        shapes.append(data.shape)
        indices.append((d, idx))
        data = np.take(data, idx, axis=d)
    out = result(np.ascontiguousarray(data), input.dtype)
    if state.recording and input._rg:
        node = _pad_node(mode, len(pairs))((edge(input),))
        node.indices, node.shapes, node.x = indices, shapes, save(input)
        attach(out, node)
    return out


__all__ = ["constant_pad_nd", "pad"]
