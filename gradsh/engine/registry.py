"""The op registry: every op is declared once, beside its forward, and every list of names derives from here.

A declaration names the op as PyTorch does and says which variants PyTorch gives it:

    @op("tanh", inplace=True)                     # torch.tanh, Tensor.tanh, Tensor.tanh_
    def tanh(input): ...

    @op("sub", aliases=("subtract",), inplace=True, dunders={"__sub__": BINARY, "__isub__": INPLACE})
    def sub(input, other, *, alpha=1): ...

`function=` / `method=` take True (the forward itself), False (no such variant) or another callable
(a variant that needs its own entry point, e.g. `torch.add(2, t)` with a number first). `namespace`
is the PyTorch module the function variant lives in ("torch", "torch.nn.functional", ...).
Tensor.__init__-time work is nothing: `install()` sets the Tensor attributes once, after the ops
modules are imported (engine/methods.py does this), and the facade modules ask `functions(namespace)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .dtypes import from_numpy_dtype as _from_numpy
from .out_arg import with_out
from .tensor import Tensor

# how a dunder wraps the forward
BINARY = "binary"  # a.__add__(b) -> forward(a, b); numpy arrays are left to numpy
REFLECTED = "reflected"  # a.__rmatmul__(b) -> forward(b, a)
INPLACE = "inplace"  # a.__iadd__(b) -> the in-place form of forward
DIRECT = "direct"  # a.__neg__() -> forward(a), a[k] -> forward(a, k): the forward itself


@dataclass(slots=True)
class OpDecl:
    name: str
    forward: Callable
    namespace: str = "torch"
    aliases: tuple[str, ...] = ()
    function: Callable | None = None
    method: Callable | None = None
    inplace: Callable | bool | None = None
    dunders: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


_DECLS: list[OpDecl] = []
_PROPERTIES: dict[str, property] = {}
_installed: list[bool] = [False]


def op(
    name: str,
    *,
    aliases: tuple[str, ...] = (),
    function: bool | Callable = True,
    method: bool | Callable = True,
    inplace: bool | Callable = False,
    dunders: dict[str, str] | None = None,
    namespace: str = "torch",
    out: bool = False,
) -> Callable[[Callable], Callable]:
    """Declare the decorated forward as PyTorch's op `name` with the variants given.

    `out=True`: the function variant also takes PyTorch's keyword-only `out=` (out_arg.with_out).
    """

    def declare(forward: Callable) -> Callable:
        fn = forward if function is True else (function or None)
        if out and fn is not None:
            fn = with_out(name, fn)
        decl = OpDecl(
            name=name,
            forward=forward,
            namespace=namespace,
            aliases=tuple(aliases),
            function=fn,
            method=forward if method is True else (method or None),
            inplace=inplace or None,
            dunders=dict(dunders or {}),
        )
        _refuse_a_second_declaration(decl)
        _DECLS.append(decl)
        if _installed[0]:  # declared after install (a late module): attach at once
            _install_one(decl)
        return forward

    return declare


# what each name is taken by: ("function", namespace, name) or ("method", name) -> its declaration
_TAKEN: dict[tuple[str, ...], OpDecl] = {}


def _refuse_a_second_declaration(new: OpDecl) -> None:
    """One declaration per name: a second one would silently replace the first's function or method."""
    keys = []
    if new.function is not None:
        keys += [(("function", new.namespace, n), f"{new.namespace}.{n}") for n in sorted(new.names)]
    if new.method is not None:
        keys += [(("method", n), f"Tensor.{n}") for n in sorted(new.names)]
    for key, where in keys:  # a clash of functions is named before one of methods, as a reader looks for it
        first = _TAKEN.get(key)
        if first is not None and first is not new:
            raise ValueError(f"{where} is declared twice ({first.forward.__module__} and {new.forward.__module__})")
    for key, _ in keys:
        _TAKEN[key] = new


def tensor_property(name: str, getter: Callable, setter: Callable | None = None) -> None:
    """A Tensor property such as `T` or `data`."""
    _PROPERTIES[name] = property(getter, setter)
    if _installed[0]:
        setattr(Tensor, name, _PROPERTIES[name])


def declarations() -> list[OpDecl]:
    return list(_DECLS)


def functions(namespace: str) -> dict[str, Callable]:
    """The functions of one PyTorch module, by every name they go by (for the facade's globals)."""
    found: dict[str, Callable] = {}
    for decl in _DECLS:
        if decl.namespace == namespace and decl.function is not None:
            for n in decl.names:
                found[n] = decl.function
    return found


def tensor_names() -> dict[str, Callable]:
    """Every Tensor attribute the registry sets: methods, in-place forms and dunders."""
    from .ops import inplace as inplace_ops  # cycle: ops/inplace imports registry

    names: dict[str, Callable] = {}
    for decl in _DECLS:
        names.update(_tensor_attributes(decl, inplace_ops))
    return names


def _tensor_attributes(decl: OpDecl, inplace_ops: Any) -> dict[str, Callable]:
    attrs: dict[str, Callable] = {}
    if decl.method is not None:
        for n in decl.names:
            attrs[n] = decl.method
    if decl.inplace:
        fn = decl.inplace if callable(decl.inplace) else inplace_ops.make_inplace(decl.method or decl.forward)
        for n in decl.names:
            attrs[n + "_"] = fn
    for dunder, kind in decl.dunders.items():
        attrs[dunder] = _dunder(decl.forward, kind, inplace_ops, dunder)
    return attrs


# PyTorch's operators decline a numpy array on the right (numpy then computes, and hands its result
# back as a tensor through Tensor.__array_wrap__), except ==, which takes it as a tensor
_CONVERT_ARRAYS = frozenset(("__eq__",))


def _dunder(forward: Callable, kind: str, inplace_ops: Any, name: str = "") -> Callable:
    arrays = np.ndarray
    if kind == DIRECT:
        return forward
    if kind == BINARY:
        if name in _CONVERT_ARRAYS:
            def converting(self: Any, other: Any) -> Any:
                if isinstance(other, arrays):
                    other = Tensor._wrap(np.array(other), _from_numpy(other.dtype))
                return forward(self, other)

            return converting

        def binary(self: Any, other: Any) -> Any:
            if isinstance(other, arrays):
                return NotImplemented
            return forward(self, other)

        return binary
    if kind == REFLECTED:
        def reflected(self: Any, other: Any) -> Any:
            if isinstance(other, arrays):
                return NotImplemented
            return forward(other, self)

        return reflected
    if kind == INPLACE:
        def in_place(self: Any, other: Any) -> Any:
            if isinstance(other, arrays):
                return NotImplemented
            return inplace_ops.apply_inplace(self, forward, other)

        return in_place
    raise ValueError(f"unknown dunder kind {kind!r}")


def _install_one(decl: OpDecl) -> None:
    from .ops import inplace as inplace_ops  # cycle: ops/inplace imports registry

    cls = Tensor
    for n, fn in _tensor_attributes(decl, inplace_ops).items():
        setattr(cls, n, fn)


def install() -> None:
    """Set every declared method, in-place form, dunder and property on Tensor (once all ops are imported)."""
    cls = Tensor
    for n, fn in tensor_names().items():
        setattr(cls, n, fn)
    for n, prop in _PROPERTIES.items():
        setattr(cls, n, prop)
    _installed[0] = True
