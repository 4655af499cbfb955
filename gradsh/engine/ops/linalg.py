"""Matrix products: mm, mv, dot, bmm, matmul (which dispatches as PyTorch's does)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..grad_mode import state
from ..graph import Node, edge
from ..tensor import Tensor
from ._core import attach, promote2, result, save, unpack


class MmBackward0(Node):
    __slots__ = ("a", "b")
    saves = True

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        ga = mm(g, unpack(self.b, self).t()) if fa is not None else None
        gb = mm(unpack(self.a, self).t(), g) if fb is not None else None
        return ga, gb

    def release(self) -> None:
        self._freed = True
        self.a = self.b = None


def _check_2d(a: Tensor, b: Tensor) -> None:
    if a._data.ndim != 2:
        raise RuntimeError(f"self must be a matrix")
    if b._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a._data.shape[1] != b._data.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a._data.shape[0]}x{a._data.shape[1]} and "
            f"{b._data.shape[0]}x{b._data.shape[1]})"
        )


def mm(a: Tensor, b: Tensor) -> Tensor:
    _check_2d(a, b)
    x, y, dt = promote2(a, b)
    out = result(x @ y, dt)
    if state.recording and (a._rg or b._rg):
        node = MmBackward0((edge(a), edge(b)))
        # each matrix is needed only for the other's gradient
        node.b = save(b) if a._rg else None
        node.a = save(a) if b._rg else None
        attach(out, node)
    return out


class MvBackward0(Node):
    __slots__ = ("a", "v")
    saves = True

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fv, _) = self.next_functions
        ga = outer(g, unpack(self.v, self)) if fa is not None else None
        gv = mv(unpack(self.a, self).t(), g) if fv is not None else None
        return ga, gv


def mv(a: Tensor, v: Tensor) -> Tensor:
    x, y, dt = promote2(a, v)
    out = result(x @ y, dt)
    if state.recording and (a._rg or v._rg):
        node = MvBackward0((edge(a), edge(v)))
        node.v = save(v) if a._rg else None
        node.a = save(a) if v._rg else None
        attach(out, node)
    return out


class DotBackward0(Node):
    __slots__ = ("a", "b")
    saves = True

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        ga = g * unpack(self.b, self) if fa is not None else None
        gb = g * unpack(self.a, self) if fb is not None else None
        return ga, gb


def dot(a: Tensor, b: Tensor) -> Tensor:
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors")
    x, y, dt = promote2(a, b)
    out = result(np.dot(x, y), dt)
    if state.recording and (a._rg or b._rg):
        node = DotBackward0((edge(a), edge(b)))
        node.b = save(b) if a._rg else None
        node.a = save(a) if b._rg else None
        attach(out, node)
    return out


class BmmBackward0(Node):
    __slots__ = ("a", "b")
    saves = True

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fa, _), (fb, _) = self.next_functions
        ga = bmm(g, unpack(self.b, self).transpose(1, 2)) if fa is not None else None
        gb = bmm(unpack(self.a, self).transpose(1, 2), g) if fb is not None else None
        return ga, gb


def bmm(a: Tensor, b: Tensor) -> Tensor:
    x, y, dt = promote2(a, b)
    out = result(np.matmul(x, y), dt)
    if state.recording and (a._rg or b._rg):
        node = BmmBackward0((edge(a), edge(b)))
        node.b = save(b) if a._rg else None
        node.a = save(a) if b._rg else None
        attach(out, node)
    return out


def outer(a: Tensor, b: Tensor) -> Tensor:
    return a.unsqueeze(1) * b.unsqueeze(0)


def matmul(a: Tensor, b: Any) -> Tensor:
    if not isinstance(b, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 1) must be Tensor, not {type(b).__name__}")
    na, nb = a._data.ndim, b._data.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    if na == 1 and nb == 1:
        return dot(a, b)
    if na == 2 and nb == 1:
        return mv(a, b)
    if na == 1 and nb == 2:
        return mm(a.unsqueeze(0), b).squeeze(0)
    if na == 2 and nb == 2:
        return mm(a, b)
    if na >= 3 and nb <= 2:
        # fold batch dims into rows, as PyTorch does (records a view around mm)
        lead = a._data.shape[:-1]
        flat = a.reshape(-1, a._data.shape[-1])
        if nb == 1:
            return mv(flat, b).view(*lead)
        return mm(flat, b).view(*lead, b._data.shape[-1])
    return _batched(a, b)


def _batched(a: Tensor, b: Tensor) -> Tensor:
    na, nb = a._data.ndim, b._data.ndim
    a2 = a.unsqueeze(0) if na == 1 else a
    b2 = b.unsqueeze(-1) if nb == 1 else b
    batch = np.broadcast_shapes(a2._data.shape[:-2], b2._data.shape[:-2])
    n, m, p = a2._data.shape[-2], a2._data.shape[-1], b2._data.shape[-1]
    a3 = a2.expand(*batch, n, m).reshape(-1, n, m)
    b3 = b2.expand(*batch, m, p).reshape(-1, m, p)
    out = bmm(a3, b3).view(*batch, n, p)
    if na == 1:
        out = out.squeeze(-2)
    if nb == 1:
        out = out.squeeze(-1)
    return out


class AddmmBackward0(Node):
    __slots__ = ("m1", "m2", "bias_shape", "alpha", "beta")
    saves = True

    def apply(self, grads: list) -> tuple:
        from .elementwise import fit

        g = grads[0]
        (fb, _), (f1, _), (f2, _) = self.next_functions
        gb = fit(g * self.beta if self.beta != 1 else g, self.bias_shape) if fb is not None else None
        g1 = mm(g, unpack(self.m2, self).t()) if f1 is not None else None
        g2 = mm(unpack(self.m1, self).t(), g) if f2 is not None else None
        if self.alpha != 1:
            g1 = None if g1 is None else g1 * self.alpha
            g2 = None if g2 is None else g2 * self.alpha
        return gb, g1, g2

    def release(self) -> None:
        self._freed = True
        self.m1 = self.m2 = None


def addmm(bias: Tensor, m1: Tensor, m2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    _check_2d(m1, m2)
    x, y, dt = promote2(m1, m2)
    prod = x @ y
    if alpha != 1:
        prod = prod * alpha
    bdata = bias._data if beta == 1 else bias._data * beta
    out = result(prod + bdata, dt)
    if state.recording and (bias._rg or m1._rg or m2._rg):
        node = AddmmBackward0((edge(bias), edge(m1), edge(m2)))
        node.m2 = save(m2) if m1._rg else None
        node.m1 = save(m1) if m2._rg else None
        node.bias_shape = (bias._data.shape, bias.dtype)
        node.alpha, node.beta = alpha, beta
        attach(out, node)
    return out
