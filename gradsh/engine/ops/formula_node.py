"""Nodes whose backward is one formula on Tensors: the shared shape of the math, special, linalg and fft ops.

`node_class("Atan2Backward0", formula)` makes PyTorch's node; `record(out, cls, inputs, saved, **attrs)`
attaches it when grad mode records and an input requires grad. The formula `formula(node, grads, *saved)`
returns one gradient per input (None where there is none), written with Tensor ops so that
create_graph differentiates through it; `record` brings each back to its input's shape and dtype. Only tensor inputs get an edge (a Python number
has none, as in PyTorch), so a formula's gradients for number inputs are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import dtypes
from ..grad_mode import state
from ..graph import Node, edge
from ..tensor import Tensor
from ._core import save, save_output, sum_to, unpack

OUTPUT = object()  # in `saved`: the op's own (first) output


class FormulaNode(Node):
    """A node whose `formula` maps the output gradients and the saved values to the input gradients."""

    __slots__ = ("attrs", "metas", "positions", "values")
    saved = ("values",)
    formula: Callable = staticmethod(lambda node, grads: ())
    holomorphic = False  # a formula written with real derivatives of a holomorphic function (det, inv, ...)

    def apply(self, grads: list) -> tuple:
        values = [unpack(v, self) for v in self.values]
        if self.holomorphic and any(isinstance(g, Tensor) and g.dtype.is_complex for g in grads):
            # PyTorch's complex convention for a formula written with real derivatives: conj(formula(conj(g)))
            grads = [g.conj() if isinstance(g, Tensor) and g.dtype.is_complex else g for g in grads]
            out = self.formula(self, grads[0] if self.n_outputs == 1 else list(grads), *values)
            out = [o.conj() if isinstance(o, Tensor) and o.dtype.is_complex else o for o in out]
        elif self.n_outputs == 1:
            out = self.formula(self, grads[0], *values)
        else:
            out = self.formula(self, list(grads), *values)
        out = [out[i] for i in self.positions]  # the tensor inputs' gradients (numbers have no edge)
        fitted = []
        for (fn, _), gi, meta in zip(self.next_functions, out, self.metas):
            if fn is None or gi is None or meta is None:
                fitted.append(None)
                continue
            if not isinstance(gi, Tensor):
                gi = Tensor._wrap(gi, meta[1]) if hasattr(gi, "dtype") else None
            if gi is not None and gi._data.shape != meta[0]:
                gi = sum_to(gi, meta[0])
            if gi is not None and gi.dtype is not meta[1]:
                gi = gi.to(meta[1])
            fitted.append(gi)
        return tuple(fitted)

    def needs(self, i: int) -> bool:
        """Whether the op's input i (counting number arguments too) wants a gradient."""
        return i in self.positions and self.next_functions[self.positions.index(i)][0] is not None

    def __getattr__(self, name: str) -> Any:  # the op's extra arguments: node.dim, node.p, ...
        try:
            return object.__getattribute__(self, "attrs")[name]
        except (KeyError, AttributeError):
            raise AttributeError(name) from None


def node_class(name: str, formula: Callable, n_outputs: int = 1, module: str = __name__,
               holomorphic: bool = False) -> type:
    """PyTorch's node `name` with this backward formula (`holomorphic`: see FormulaNode.holomorphic)."""
    return type(name, (FormulaNode,), {"__slots__": (), "formula": staticmethod(formula), "n_outputs": n_outputs,
                                       "__module__": module, "holomorphic": holomorphic})


def differentiable(t: Any) -> bool:
    return isinstance(t, Tensor) and t._rg and (t.dtype.is_floating_point or t.dtype.is_complex)


def record(out: Any, cls: type, inputs: tuple, saved: tuple = (), **attrs: Any) -> Any:
    """Attach a `cls` node to `out` (a Tensor or a tuple of them) when an input requires grad."""
    if not state.recording or not any(isinstance(t, Tensor) and t._rg for t in inputs):
        return out
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    node = cls(tuple(edge(t) for t in tensors))
    node.positions = tuple(i for i, t in enumerate(inputs) if isinstance(t, Tensor))
    first = out[0] if isinstance(out, (tuple, list)) else out
    node.values = tuple(save_output(first) if v is OUTPUT else save(v) for v in saved)
    node.metas = tuple((t._data.shape, t.dtype) for t in tensors)
    node.attrs = attrs
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for i, o in enumerate(outs):
        if isinstance(o, Tensor) and (o.dtype.is_floating_point or o.dtype.is_complex):
            o._grad_fn = node
            o._rg = True
            o._output_nr = i
    return out


def floating(dt: dtypes.dtype) -> dtypes.dtype:
    return dt if dt.is_floating_point or dt.is_complex else dtypes.get_default_dtype()


class _ReturnType(tuple):
    """A torch.return_types.NAME(...) result: a tuple whose items are also attributes."""

    __slots__ = ()
    _name = ""
    _fields: tuple[str, ...] = ()

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{self._name}(\n{body})"


_return_types: dict[tuple, type] = {}


def return_type(name: str, fields: tuple[str, ...]) -> type:
    """PyTorch's structured result `torch.return_types.name` with these fields (slogdet: sign, logabsdet)."""
    key = (name, fields)
    cls = _return_types.get(key)
    if cls is None:
        attrs: dict[str, Any] = {"__slots__": (), "_name": name, "_fields": fields}
        for i, f in enumerate(fields):
            attrs[f] = property(lambda self, i=i: self[i])
        cls = _return_types[key] = type(name, (_ReturnType,), attrs)
    return cls


def structured(name: str, fields: tuple[str, ...], values: tuple) -> tuple:
    return return_type(name, fields)(values)
