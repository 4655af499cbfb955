"""`torch.ops.aten`: the explicit overloads of the operators that gradsh implements.

Most Python spellings reach the Tensor overloads (`x + 1` wraps the number: AddBackward0);
only an explicit `torch.ops.aten.add.Scalar(x, 1)` takes the Scalar overload, whose node is
the "1" variant with a single edge (spec/semantics.md §8.1). Names gradsh lacks say so plainly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..grad_mode import state
from ..graph import Node, edge
from ..tensor import Tensor
from ..unsupported import unsupported
from . import elementwise as ew
from ._core import attach, promote2, result

_NUMBERS = (bool, int, float, complex)


# ----- the Scalar overloads: one edge, the number is a constant -----------------------------------

class AddBackward1(Node):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        return (grads[0],)


class SubBackward1(AddBackward1):
    __slots__ = ()


class MulBackward1(Node):
    __slots__ = ("other",)

    def apply(self, grads: list) -> tuple:
        return (grads[0] * self.other,)


class DivBackward1(MulBackward1):
    __slots__ = ()

    def apply(self, grads: list) -> tuple:
        return (grads[0] / self.other,)


def _check_scalar(name: str, decl: str, self: Any, other: Any) -> None:
    if not isinstance(self, Tensor):
        raise TypeError(f"aten::{name}() Expected a value of type 'Tensor' for argument 'self' but instead found "
                        f"type '{type(self).__name__}'.")
    if not isinstance(other, _NUMBERS):
        raise RuntimeError(  # noqa: TRY004 - PyTorch raises RuntimeError here
            f"aten::{name}() Expected a value of type 'number' for argument 'other' but instead found type "
            f"'{type(other).__name__}'.\nPosition: 1\nValue: {other!r}\nDeclaration: aten::{name}.Scalar({decl}\n"
            f"Cast error details: Cannot cast {other!r} to number"
        )


def add_scalar(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    _check_scalar("add", "Tensor self, Scalar other, Scalar alpha=1) -> Tensor", self, other)
    x, y, dt = promote2(self, other if alpha == 1 else other * alpha)
    out = result(x + y, dt)
    if state.recording and self._rg:
        attach(out, AddBackward1((edge(self),)))
    return out


def sub_scalar(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    _check_scalar("sub", "Tensor self, Scalar other, Scalar alpha=1) -> Tensor", self, other)
    x, y, dt = promote2(self, other if alpha == 1 else other * alpha)
    out = result(x - y, dt)
    if state.recording and self._rg:
        attach(out, SubBackward1((edge(self),)))
    return out


def mul_scalar(self: Tensor, other: Any) -> Tensor:
    _check_scalar("mul", "Tensor self, Scalar other) -> Tensor", self, other)
    x, y, dt = promote2(self, other)
    out = result(x * y, dt)
    if state.recording and self._rg:
        node = MulBackward1((edge(self),))
        node.other = other
        attach(out, node)
    return out


def div_scalar(self: Tensor, other: Any) -> Tensor:
    _check_scalar("div", "Tensor self, Scalar other) -> Tensor", self, other)
    x, y, dt = promote2(self, other)
    dt = ew._floating(dt)
    out = result(x / y, dt)
    if state.recording and self._rg:
        node = DivBackward1((edge(self),))
        node.other = other
        attach(out, node)
    return out


# ----- the namespace -----------------------------------------------------------------------------

# op name -> {overload name: implementation}; "default" is what calling the packet runs
OVERLOADS: dict[str, dict[str, Callable]] = {
    "add": {"Tensor": ew.add, "Scalar": add_scalar},
    "sub": {"Tensor": ew.sub, "Scalar": sub_scalar},
    "mul": {"Tensor": ew.mul, "Scalar": mul_scalar},
    "div": {"Tensor": ew.div, "Scalar": div_scalar},
}


def register(name: str, overload: str, fn: Callable) -> None:
    """Make `fn` torch.ops.aten.<name>.<overload> (a module of ops/ that owns the op calls this)."""
    OVERLOADS.setdefault(name, {})[overload] = fn


def _unsupported(qualname: str) -> AttributeError:
    return unsupported(qualname)


class OpOverload:
    """One overload, e.g. `torch.ops.aten.add.Scalar`."""

    __slots__ = ("_fn", "_overloadname", "overloadpacket")

    def __init__(self, packet: OpOverloadPacket, overload: str, fn: Callable) -> None:
        self.overloadpacket = packet
        self._overloadname = overload
        self._fn = fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)

    def name(self) -> str:
        return f"aten::{self.overloadpacket._name}.{self._overloadname}"

    def __repr__(self) -> str:
        return f"<OpOverload(op='aten.{self.overloadpacket._name}', overload='{self._overloadname}')>"

    def __str__(self) -> str:
        return f"aten.{self.overloadpacket._name}.{self._overloadname}"


class OpOverloadPacket:
    """`torch.ops.aten.add`: calling it takes the Tensor overload, as PyTorch's dispatch does for tensors."""

    __slots__ = ("_name", "_table")

    def __init__(self, name: str, table: dict) -> None:
        self._name = name
        self._table = table

    def overloads(self) -> list:
        return list(self._table)

    def __getattr__(self, overload: str) -> OpOverload:
        if overload.startswith("_"):
            raise AttributeError(overload)
        fn = self._table.get(overload) or (self._table.get("Tensor") if overload == "default" else None)
        if fn is None:
            raise _unsupported(f"torch.ops.aten.{self._name}.{overload}")
        return OpOverload(self, overload, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return (self._table.get("Tensor") or self._table["default"])(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<OpOverloadPacket(op='aten.{self._name}')>"

    def __str__(self) -> str:
        return f"aten.{self._name}"


class _OpNamespace:
    """`torch.ops.aten`."""

    def __init__(self, name: str, overloads: dict) -> None:
        self._name = name
        self._overloads = overloads

    def __getattr__(self, op: str) -> OpOverloadPacket:
        if op.startswith("__"):
            raise AttributeError(op)
        table = self._overloads.get(op)
        if table is None:
            raise _unsupported(f"torch.ops.{self._name}.{op}")
        packet = OpOverloadPacket(op, table)
        setattr(self, op, packet)  # one packet object per op, as in PyTorch
        return packet

    def __repr__(self) -> str:
        return f"<module 'torch.ops.{self._name}' from 'torch.ops'>"


class _Ops:
    """`torch.ops`: only the aten namespace exists in gradsh."""

    def __init__(self) -> None:
        self.aten = _OpNamespace("aten", OVERLOADS)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise _unsupported(f"torch.ops.{name}")

    def __repr__(self) -> str:
        return "<module 'torch.ops' from '_ops.py'>"


ops = _Ops()
