"""The grad report: which tensors an example created or changed, read through public attributes only.

A snapshot maps each name that holds a tensor (top-level names, and one level into what they
hold: module parameters and buffers, object attributes, list/tuple/dict elements) to the tensor
and a small state tuple; comparing the snapshots before and after an example gives the report.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from types import FunctionType, ModuleType
from typing import Any

from gradsh.report.model import GradMode, GradReport, TensorLine
from gradsh.transcript import autograd_state

EVERYTHING = -1  # in an engine change log: anything may have changed (gradsh.engine.changes.note_everything)

_MAX_ITEMS = 64  # elements looked at in one list/tuple/dict: a report, not a dump
_SHORT_GRAD = 6  # grads with at most this many elements are shown by value

Snapshot = dict[str, tuple[Any, tuple]]


def _read(fn: Any, default: Any = None) -> Any:
    try:
        return fn()
    except Exception:  # noqa: BLE001 - an engine bug, or an inference tensor's version: the report must not fail
        return default


def _grad(t: Any) -> Any:
    # Reading .grad of a non-leaf warns; it is None there unless retain_grad() was called.
    if _read(lambda: t.is_leaf, False) or _read(lambda: t.retains_grad, False):
        return _read(lambda: t.grad)
    return None


def _state(t: Any) -> tuple:
    g = _grad(t)
    return (
        _read(lambda: t._version),  # inference tensors raise here: None then
        _read(lambda: t.requires_grad),
        id(g) if g is not None else None,
        _read(lambda: g._version) if g is not None else None,
        _read(lambda: tuple(g.shape)) if g is not None else None,
        autograd_state.tensor_hooks(t),
    )


def _members(name: str, value: Any, tensor_type: type) -> Iterator[tuple[str, Any]]:
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value[:_MAX_ITEMS]):
            if isinstance(item, tensor_type):
                yield f"{name}[{i}]", item
    elif isinstance(value, dict):
        for key, item in list(value.items())[:_MAX_ITEMS]:
            if isinstance(item, tensor_type) and isinstance(key, (str, int)):
                yield f"{name}[{key!r}]", item
    elif callable(getattr(type(value), "named_parameters", None)):  # an nn.Module
        for method in ("named_parameters", "named_buffers"):
            for sub, item in _read(lambda m=method: list(getattr(value, m)()), [])[:_MAX_ITEMS]:
                if isinstance(item, tensor_type):
                    yield f"{name}.{sub}", item
    elif not isinstance(value, (type, ModuleType, FunctionType)) and hasattr(value, "__dict__"):
        for attr, item in list(_read(lambda: vars(value), {}).items())[:_MAX_ITEMS]:
            if isinstance(item, tensor_type) and not attr.startswith("_"):
                yield f"{name}.{attr}", item


def snapshot(namespace: dict[str, Any], tensor_type: type | None) -> Snapshot:
    """Every tensor reachable by name (one level deep), with the state the report compares."""
    if tensor_type is None:
        return {}
    # Any warning the engine gives while being read is the report's own business, not the user's.
    # (Swapping showwarning, unlike catch_warnings, leaves the filters and warning registries alone.)
    show, warnings.showwarning = warnings.showwarning, _silent
    try:
        return _snapshot(namespace, tensor_type)
    finally:
        warnings.showwarning = show


def _silent(*args: object, **kwargs: object) -> None:
    pass


def _snapshot(namespace: dict[str, Any], tensor_type: type) -> Snapshot:
    found: Snapshot = {}
    for name, value in list(namespace.items()):
        if name.startswith("__"):
            continue
        if isinstance(value, tensor_type):
            found[name] = (value, _state(value))
        else:
            for sub, item in _members(name, value, tensor_type):
                found[sub] = (item, _state(item))
    return found


def _entries(name: str, value: Any, tensor_type: type) -> Snapshot:
    """The tensors one top-level name holds (itself, or one level in), with their states."""
    if isinstance(value, tensor_type):
        return {name: (value, _state(value))}
    return {sub: (item, _state(item)) for sub, item in _members(name, value, tensor_type)}


_MISSING = object()


class Tracker:
    """The grad report of one namespace, example after example, reading only what an example can have changed.

    `update(reach)` after an example, with what touched.py told of it beforehand; `update(None)` reads every
    name. With an engine change log (`log`: gradsh's engine, gradsh.engine.changes) it reads the names the
    example can rebind or refill, and the names holding a tensor the engine says changed (in place, .grad,
    requires_grad): a cost linear in what changed, not in the names held. An example that may run code of
    the user's has every name's binding and one-level contents compared by identity (no tensor is read),
    as that code can rebind or refill any. Without a log (real PyTorch) an example that can change tensors
    of other names has every name read again. The report is the same either way."""

    def __init__(self, namespace: dict[str, Any], tensor_type: type | None, log: Any = None) -> None:
        self.namespace = namespace
        self.tensor_type = tensor_type
        self.log = log
        self.held: dict[str, Snapshot] = {}  # top-level name -> its tensors
        self.order: dict[str, int] = {}  # top-level name -> its place in the namespace's order
        self.values: dict[str, Any] = {}  # top-level name -> the object it held when last read (kept alive, so ...
        self.ids: dict[str, int] = {}  # ... its id here cannot be reused by a new object)
        self.holders: set[str] = set()  # names holding a value with members (a list, a module, an object)
        self.layouts: dict[str, tuple] = {}  # top-level name -> (member, id) of the tensors held one level in
        self.by_counter: dict[int, set[str]] = {}  # id of a version counter -> names holding it (or a grad with it)
        self.counters: dict[str, list[int]] = {}  # top-level name -> the counter ids it is filed under
        self._next = 0
        self.changed: list[tuple[str, Any]] = []  # (name, tensor) of the last update's report, in its order
        self.update(None)

    def update(
        self, reach: Any = None, modes: tuple[GradMode | None, GradMode | None] = (None, None)
    ) -> GradReport:
        """`reach`: a touched.Reach, a set of names (what can change, no log needed), or None (read all)."""
        report = GradReport()
        self.changed = []
        if modes[0] != modes[1]:
            report.mode_before, report.mode_after = modes
        if self.tensor_type is None:
            return report
        show, warnings.showwarning = warnings.showwarning, _silent  # as in snapshot()
        try:
            names = self._to_read(reach)
            if names is None:
                names = set(self.held) | set(self.namespace) | set(self.values)
                self.order = {}
                for name in self.namespace:
                    self.order[name] = self._next
                    self._next += 1
            else:
                self._place_new(names)
            for name in sorted(names, key=self._place):
                self._read(name, report)
        finally:
            warnings.showwarning = show
        return report

    def _to_read(self, reach: Any) -> set[str] | None:
        changed = self.log.take() if self.log is not None else ()
        if reach is None or EVERYTHING in changed:
            return None
        if isinstance(reach, (set, frozenset)):
            return set(reach)
        if self.log is None:
            return None if reach.names is None or reach.others else set(reach.names)
        names = self._restructured() if reach.names is None else set(reach.names)
        for counter in changed:
            names.update(self.by_counter.get(counter, ()))
        return names

    def _restructured(self) -> set[str]:
        """Names rebound, deleted or refilled (a list's items, an object's attributes), by identity alone."""
        namespace = self.namespace
        now = dict(zip(namespace, map(id, namespace.values())))  # no Python-level loop over the names
        found = set() if now == self.ids else {name for name, _ in now.items() ^ self.ids.items()}
        for name in self.holders:
            if name not in found and _layout(name, namespace[name], self.tensor_type) != self.layouts.get(name, ()):  # type: ignore[arg-type]
                found.add(name)
        return found

    def _place(self, name: str) -> int:
        return self.order.get(name, self._next)

    def _place_new(self, names: set[str]) -> None:
        """Names new to the namespace were added at its end, in order: find them from the end, and no further."""
        new = {n for n in names if n not in self.order and n in self.namespace}
        found = []
        for name in reversed(self.namespace):
            if not new:
                break
            if name in new:
                new.discard(name)
                found.append(name)
        for name in reversed(found):
            self.order[name] = self._next
            self._next += 1

    def _read(self, name: str, report: GradReport) -> None:
        before = self.held.pop(name, {})
        self._unfile(name)
        self.layouts.pop(name, None)
        self.holders.discard(name)
        if name not in self.namespace:
            self.order.pop(name, None)
            self.values.pop(name, None)
            self.ids.pop(name, None)
            return
        value = self.namespace[name]
        self.values[name], self.ids[name] = value, id(value)
        if name.startswith("__"):
            return
        if not isinstance(value, self.tensor_type) and _has_members(value):  # type: ignore[arg-type]
            self.holders.add(name)
        after = _entries(name, value, self.tensor_type)  # type: ignore[arg-type]
        if after:
            self.held[name] = after
            self.layouts[name] = tuple((key, id(entry[0])) for key, entry in after.items())
            if self.log is not None:
                self._file(name, after)
        holder = _holder(value)
        for key, entry in after.items():
            changes = _changes(before.get(key), entry)
            if changes:
                report.tensors.append(describe(key, entry[0], changes, holder if key != name else None))
                self.changed.append((key, entry[0]))

    def graph_names(self) -> tuple[dict[int, str], dict[int, str]]:
        """For naming a graph's nodes: id(tensor) -> the first name that holds it, and id(grad_fn) -> the
        first name holding a tensor that node made."""
        names: dict[int, str] = {}
        makers: dict[int, str] = {}
        for name in sorted(self.held, key=self._place):
            for key, (tensor, _) in self.held[name].items():
                names.setdefault(id(tensor), key)
                fn = _read(lambda t=tensor: t.grad_fn)
                if fn is not None:
                    makers.setdefault(id(fn), key)
        return names, makers

    def _file(self, name: str, entries: Snapshot) -> None:
        """Index the name under the version counters of its tensors and their grads (the log names counters)."""
        ids = []
        for t, _state_now in entries.values():
            ids.append(id(t._vc))
            g = t._grad
            if g is not None:
                ids.append(id(g._vc))
        for i in ids:
            self.by_counter.setdefault(i, set()).add(name)
        self.counters[name] = ids

    def _unfile(self, name: str) -> None:
        for i in self.counters.pop(name, ()):
            names = self.by_counter.get(i)
            if names is not None:
                names.discard(name)
                if not names:
                    del self.by_counter[i]


def _has_members(value: Any) -> bool:
    """Whether _members() looks into the value: a container, a module, an object with attributes."""
    if isinstance(value, (list, tuple, dict)) or callable(getattr(type(value), "named_parameters", None)):
        return True
    return not isinstance(value, (type, ModuleType, FunctionType)) and hasattr(value, "__dict__")


def _layout(name: str, value: Any, tensor_type: type) -> tuple:
    return tuple((key, id(item)) for key, item in _members(name, value, tensor_type))


def _changes(before: tuple[Any, tuple] | None, after: tuple[Any, tuple]) -> list[str]:
    if before is None:
        return ["new"]
    if before[0] is not after[0]:
        return ["rebound"]
    (v0, rg0, gid0, gv0, gs0, h0), (v1, rg1, gid1, gv1, gs1, h1) = before[1], after[1]
    changes = []
    if v0 != v1:
        changes.append("in-place")
    if rg0 != rg1:
        changes.append("requires_grad")
    if (gid0, gv0, gs0) != (gid1, gv1, gs1):
        changes.append("grad")
    if h0 != h1:
        changes.append("hooks")
    return changes


def _number(x: Any) -> str:
    if isinstance(x, float):
        text = f"{x:.4g}"
        return text + "." if text.lstrip("-").isdigit() else text  # 2.0 shows as "2.", as torch prints it
    return str(x)


def grad_summary(g: Any) -> str | None:
    if g is None:
        return None
    shape = _read(lambda: list(g.shape), [])
    if _read(lambda: g.numel(), _SHORT_GRAD + 1) <= _SHORT_GRAD:
        values = _read(lambda: g.detach().reshape(-1).tolist())
        if values is not None:
            text = ", ".join(_number(v) for v in values)
            return text if not shape else f"[{text}]"
    return f"shape {shape}"


def _grad_fn_name(t: Any) -> str | None:
    fn = _read(lambda: t.grad_fn)
    if fn is None:
        return None
    return _read(lambda: fn.name(), type(fn).__name__)


def _holder(value: Any) -> str | None:
    for kind in (list, tuple, dict):
        if isinstance(value, kind):
            return kind.__name__
    return None


def describe(name: str, t: Any, changes: list[str], holder: str | None = None) -> TensorLine:
    return TensorLine(
        name=name,
        changes=changes,
        shape=_read(lambda: list(t.shape), []),
        dtype=str(_read(lambda: t.dtype, "?")),
        requires_grad=bool(_read(lambda: t.requires_grad, False)),
        is_leaf=bool(_read(lambda: t.is_leaf, True)),
        grad_fn=_grad_fn_name(t),
        grad=grad_summary(_grad(t)),
        holder=holder,
        inference=bool(_read(lambda: t.is_inference(), False)),
        hooks=autograd_state.tensor_hooks(t),
        tangent=grad_summary(autograd_state.tangent(t)),
    )


def compare(before: Snapshot, after: Snapshot, mode_before: GradMode | None, mode_after: GradMode | None) -> GradReport:
    report = GradReport()
    for name, entry in after.items():
        changes = _changes(before.get(name), entry)
        if changes:
            report.tensors.append(describe(name, entry[0], changes))
    if mode_before != mode_after:
        report.mode_before, report.mode_after = mode_before, mode_after
    return report


def grad_mode(torch: Any) -> GradMode | None:
    enabled = _read(lambda: bool(torch.is_grad_enabled()))
    if enabled is None:
        return None
    return GradMode(enabled, bool(_read(lambda: torch.is_inference_mode_enabled(), False)))
