"""Unary elementwise math as a table: one row an op.

A row gives PyTorch's name, its node's name, the numpy forward, what the node saves (the input, the
result or nothing) and the backward formula, written once as `grad(g, s, m)`: the incoming gradient
`g`, the saved value `s` and a math namespace `m` (ops/formula.py evaluates it on numpy arrays in a
plain backward and on Tensors under `create_graph`; each row's forward joins both namespaces).

Adding an op of this family is one row at the bottom of this file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..graph import Node, SavedTensor, edge, pending_output_packs
from ..registry import DIRECT, op
from ..tensor import Tensor
from ._core import flush_output_packs, result, save, save_output
from .formula import NUMPY_DTYPES, NUMPY_MATH, TENSOR_MATH, evaluate

INPUT = "input"
RESULT = "result"

_FLOAT32 = dtypes.float32
_SMALL = 4096
_ndarray = np.ndarray


def _floating(dt: dtypes.dtype) -> dtypes.dtype:
    return dt if dt.is_floating_point or dt.is_complex else dtypes.get_default_dtype()


def _in_double(fn: Callable) -> Callable:
    """float32 evaluated in double and rounded back.

    numpy's float32 SIMD kernels are often 1 ulp off PyTorch's (MKL VML / SLEEF); in double and rounded
    they agree far more often (spec/elementwise.md measures it per op).
    """

    def kernel(a: np.ndarray) -> np.ndarray:
        if a.dtype != np.float32:
            return fn(a)
        if a.size > _SMALL:
            # through numpy's small cast buffers: no float64 copy of a large input
            out = np.empty(a.shape, np.float32)
            fn(a, out=out, dtype=np.float64, casting="unsafe")
            return out
        return fn(a.astype(np.float64)).astype(np.float32)

    return kernel


class UnaryNode(Node):
    """The node of a table row: its class gives the formula and what `saved_value` holds."""

    __slots__ = ("saved_value",)
    saved = ("saved_value",)
    formula: Callable = staticmethod(lambda g, s, m: g)

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        s = self.saved_value
        if not state.grad_enabled and g.dtype in NUMPY_DTYPES:
            # formula.evaluate() inlined for one saved value: this is the hot path of a plain backward
            gd = g._data
            if type(s) is SavedTensor:
                s = s.array(self)
                if s.dtype != gd.dtype:
                    return (evaluate(self, self.formula, g, self.saved_value),)
            r = self.formula(gd, s, NUMPY_MATH)
            if type(r) is _ndarray and r.dtype is gd.dtype:
                return (Tensor._wrap(r, g.dtype),)
            return (result(r, g.dtype),)
        return (evaluate(self, self.formula, g, self.saved_value),)


def unary(
    name: str,
    node: str,
    fn: Callable,
    saves: str | None,
    grad: Callable,
    *,
    keeps_dtype: bool = False,
    aliases: tuple[str, ...] = (),
    dunders: dict[str, str] | None = None,
    out: bool = True,
) -> Callable:
    """Declare one row: the forward `torch.name` / `Tensor.name` / `Tensor.name_` and its node class `node`.

    `fn` maps an array to the result's values; `keeps_dtype` ops (floor, abs, ...) keep the input's dtype,
    the others compute in floating point (integers as the default dtype).
    """
    node_cls = type(node, (UnaryNode,), {"__slots__": (), "formula": staticmethod(grad), "__module__": __name__})
    if saves is None:
        node_cls.saved = ()
    node_cls.saves_result = saves is RESULT  # its `_saved_result` (else `_saved_self`), as PyTorch names it

    if keeps_dtype:
        def forward(input: Tensor) -> Tensor:
            out = result(fn(input._data), input.dtype)
            return _record(input, out, node_cls, saves)
    else:
        def forward(input: Tensor) -> Tensor:
            if input.dtype is _FLOAT32 and input._data.size <= _SMALL:
                # the common small float32 case, without result()'s general checks
                data = fn(input._data)
                if type(data) is not _ndarray:  # a 0-d input gives numpy's scalar back
                    data = np.asarray(data)
                out = Tensor._wrap(data, _FLOAT32)
            else:
                dt = _floating(input.dtype)
                data = input._data if dt is input.dtype else input._data.astype(dt.np)
                out = result(fn(data), dt)
            return _record(input, out, node_cls, saves)

    forward.__name__ = forward.__qualname__ = name
    forward.node = node_cls
    setattr(NUMPY_MATH, name, fn)
    setattr(TENSOR_MATH, name, forward)
    globals()[node] = node_cls  # importable and greppable by PyTorch's name
    return op(name, aliases=aliases, inplace=True, dunders=dunders, out=out)(forward)


def _record(x: Tensor, out: Tensor, node_cls: type, saves: str | None) -> Tensor:
    if state.recording and x._rg:
        node = node_cls((edge(x),))
        if saves is INPUT:
            node.saved_value = save(x)
        elif saves is RESULT:
            node.saved_value = save_output(out)
        else:
            node.saved_value = None
        out._grad_fn = node  # attach(), inlined on this hot path (a fresh result: output 0)
        out._rg = True
        if pending_output_packs:
            flush_output_packs(out)
    return out


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def _rsqrt(a: np.ndarray) -> np.ndarray:
    return 1 / np.sqrt(a)


def _relu(a: np.ndarray) -> np.ndarray:
    return a if a.dtype == np.bool_ else np.maximum(a, 0)


def _zero(g: Any, s: Any, m: Any) -> Any:
    """floor, ceil, trunc, sign: recorded, with gradient zero."""
    return g * 0


_LN2 = 0.6931471805599453
_LN10 = 2.3025850929940456

# name        node                  numpy forward          saves    backward formula, once
exp = unary("exp", "ExpBackward0", _in_double(np.exp), RESULT, lambda g, y, m: g * y)
expm1 = unary("expm1", "Expm1Backward0", _in_double(np.expm1), RESULT, lambda g, y, m: g * (y + 1))
log = unary("log", "LogBackward0", _in_double(np.log), INPUT, lambda g, x, m: g / x)
log1p = unary("log1p", "Log1PBackward0", _in_double(np.log1p), INPUT, lambda g, x, m: g / (x + 1))
log2 = unary("log2", "Log2Backward0", _in_double(np.log2), INPUT, lambda g, x, m: g / (x * _LN2))
log10 = unary("log10", "Log10Backward0", _in_double(np.log10), INPUT, lambda g, x, m: g / (x * _LN10))
sin = unary("sin", "SinBackward0", _in_double(np.sin), INPUT, lambda g, x, m: g * m.cos(x))
cos = unary("cos", "CosBackward0", _in_double(np.cos), INPUT, lambda g, x, m: g * -m.sin(x))
tan = unary("tan", "TanBackward0", _in_double(np.tan), RESULT, lambda g, y, m: g * (1 + y * y))
sinh = unary("sinh", "SinhBackward0", _in_double(np.sinh), INPUT, lambda g, x, m: g * m.cosh(x))
cosh = unary("cosh", "CoshBackward0", _in_double(np.cosh), INPUT, lambda g, x, m: g * m.sinh(x))
tanh = unary("tanh", "TanhBackward0", _in_double(np.tanh), RESULT, lambda g, y, m: g * (1 - y * y))
sqrt = unary("sqrt", "SqrtBackward0", np.sqrt, RESULT, lambda g, y, m: g / (2 * y))
rsqrt = unary("rsqrt", "RsqrtBackward0", _rsqrt, RESULT, lambda g, y, m: g * (-0.5 * y * y * y))
asin = unary("asin", "AsinBackward0", _in_double(np.arcsin), INPUT,
             lambda g, x, m: g * m.rsqrt(-x * x + 1), aliases=("arcsin",))
acos = unary("acos", "AcosBackward0", _in_double(np.arccos), INPUT,
             lambda g, x, m: g * -m.rsqrt(-x * x + 1), aliases=("arccos",))
atan = unary("atan", "AtanBackward0", np.arctan, INPUT, lambda g, x, m: g / (x * x + 1), aliases=("arctan",))
sigmoid = unary("sigmoid", "SigmoidBackward0", _sigmoid, RESULT, lambda g, y, m: g * (y * (1 - y)))
reciprocal = unary("reciprocal", "ReciprocalBackward0", np.reciprocal, RESULT, lambda g, y, m: g * -(y * y))
floor = unary("floor", "FloorBackward0", np.floor, None, _zero, keeps_dtype=True)
ceil = unary("ceil", "CeilBackward0", np.ceil, None, _zero, keeps_dtype=True)
trunc = unary("trunc", "TruncBackward0", np.trunc, None, _zero, keeps_dtype=True, aliases=("fix",))
sign = unary("sign", "SignBackward0", np.sign, None, _zero, keeps_dtype=True)
relu = unary("relu", "ReluBackward0", _relu, RESULT, lambda g, y, m: g * (y > 0), keeps_dtype=True, out=False)
abs = unary("abs", "AbsBackward0", np.abs, INPUT, lambda g, x, m: g * m.sign(x), keeps_dtype=True,
            aliases=("absolute",), dunders={"__abs__": DIRECT})
