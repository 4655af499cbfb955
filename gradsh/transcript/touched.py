"""What an example can change, told from its text before it runs: so the grad report reads only that.

The grad report compares every tensor's state before and after each example; reading all of them
after every example makes a file with many names quadratic. Two things can change what the report
shows: a name's binding or one-level contents (`t = ...`, `xs.append(t)`, `h.t = ...`), and a
tensor's own state (in place, `.grad`, `requires_grad`) — seen by every name holding that tensor.

`reach()` tells the first from the syntax tree and the kinds of values the names hold: the names
an example binds, deletes, stores into or calls a method on, unless it may run code of the user's
(a call of a user's function or class, a module or optimizer, a non-torch module, a decorator, a
hook registered now, a backward once hooks or custom Functions exist, ...): then any name may
change. It also says whether the example can change tensor state at all (an in-place op, as gradsh's
op registry declares them, an `out=`/`inplace=` argument, backward, a store into a tensor). gradsh's
engine logs which tensors' state changed (gradsh.engine.changes), so with it the report reads the
names the example reaches plus the names holding a logged tensor; real PyTorch has no such log, so
there an example that can change tensor state has every name read again.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import functools
from types import ModuleType
from typing import Any

_SAFE_BUILTINS = frozenset(
    [
        "abs",
        "all",
        "any",
        "bool",
        "complex",
        "dict",
        "divmod",
        "enumerate",
        "float",
        "format",
        "frozenset",
        "hash",
        "int",
        "isinstance",
        "issubclass",
        "iter",
        "len",
        "list",
        "max",
        "min",
        "next",
        "pow",
        "print",
        "range",
        "repr",
        "reversed",
        "round",
        "set",
        "slice",
        "sorted",
        "str",
        "sum",
        "tuple",
        "type",
        "zip",
    ]
)
# Tensor methods that change autograd state without being ops (so not in the registry): they change their
# receiver's or other tensors' grads, or set up hooks that backward will run.
_AUTOGRAD_METHODS = frozenset(
    ["backward", "retain_grad", "register_hook", "register_post_accumulate_grad_hook", "step", "zero_grad"]
)
# torch functions outside the op registry that write tensors: autograd's own.
_AUTOGRAD_FUNCTIONS = frozenset(["backward", "grad"])
# torch functions outside gradsh's registry that PyTorch gives an in-place switch (rrelu: not implemented here).
_UNREGISTERED_WRITERS = frozenset(["rrelu"])
_WRITING_KEYWORDS = frozenset({"out", "inplace"})
_SCALARS = (int, float, complex, str, bytes, bool, type(None))
_CONTAINERS = (list, tuple, dict, set, frozenset)
_MAX_ITEMS = 64
_LOUD_NODES = (
    ast.ClassDef,
    ast.Global,
    ast.Nonlocal,
    ast.Await,
    ast.Yield,
    ast.YieldFrom,
    ast.Match,
    ast.AsyncFunctionDef,
    ast.AsyncFor,
    ast.AsyncWith,
)


class _Loud(Exception):
    """The example may run code of the user's: any name's binding or contents may change."""


@dataclasses.dataclass(frozen=True)
class Reach:
    """What running one example can change, told before it runs.

    `names`: the top-level names whose binding or one-level contents (list items, attributes, ...) it can
    change; None when it may run code of the user's, which can change any. `others`: it can change the
    state of tensors held by other names too (an in-place op on a shared tensor, backward writing grads);
    only an engine that logs its changes (gradsh.engine.changes) tells which."""

    names: frozenset[str] | None
    others: bool


def reach(source: str, namespace: dict[str, Any], tensor_type: type, callbacks: bool = True) -> Reach:
    """What running `source` can change; called before it runs (the values its names hold decide what its
    calls can do). `callbacks`: backward() may run code of the user's (hooks, custom Functions)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return Reach(frozenset(), False)  # it will not compile, so nothing runs
    except (ValueError, RecursionError, MemoryError):
        return Reach(None, True)
    reader = _Reader(namespace, tensor_type, callbacks)
    try:
        for node in ast.walk(tree):
            reader.visit(node)
    except _Loud:
        return Reach(None, True)
    return Reach(frozenset(reader.stored), reader.others)


def names_changed(source: str, namespace: dict[str, Any], tensor_type: type) -> set[str] | None:
    """The top-level names whose tensors running `source` can change, or None when that may be any name:
    what a report can tell without an engine change log (real PyTorch)."""
    found = reach(source, namespace, tensor_type)
    return None if found.names is None or found.others else set(found.names)


@functools.cache
def registry_names() -> tuple[frozenset[str], frozenset[str]]:
    """From gradsh's op registry: every in-place op name (`add_`, `relu_`, ...), and the functions that take
    PyTorch's `inplace` switch (`F.relu(x, True)` writes x)."""
    import inspect

    import gradsh.engine.methods  # noqa: F401 - every op module, so every declaration is in the registry
    from gradsh.engine import registry

    in_place, writers = set(), set()
    for decl in registry.declarations():
        names = decl.names
        if decl.inplace:
            in_place.update(n + "_" for n in names)
        in_place.update(n for n in names if n.endswith("_"))
        if decl.function is not None:
            try:
                takes_switch = "inplace" in inspect.signature(decl.function).parameters
            except (TypeError, ValueError):
                continue
            if takes_switch:
                writers.update(names)
    return frozenset(in_place), frozenset(writers | _UNREGISTERED_WRITERS | _AUTOGRAD_FUNCTIONS)


def _in_place(name: str, engine: bool) -> bool:
    # PyTorch's convention covers what gradsh's registry lacks (ops gradsh does not implement, on --backend torch)
    return (engine and name in registry_names()[0]) or (name.endswith("_") and not name.endswith("__"))


@functools.lru_cache(maxsize=512)
def _takes_inplace_switch(fn: Any) -> bool:
    """Real PyTorch's functions say it in their signature too (`relu(input, inplace=False)`)."""
    import inspect

    try:
        return "inplace" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class _Reader:
    def __init__(self, namespace: dict[str, Any], tensor_type: type, callbacks: bool) -> None:
        self.namespace = namespace
        self.tensor_type = tensor_type
        self.callbacks = callbacks
        # gradsh's engine: its op registry is loaded and tells in-place ops; real PyTorch is asked by signature
        self.engine = tensor_type.__module__.startswith("gradsh.")
        self.stored: set[str] = set()
        self.others = False

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, _LOUD_NODES):
            raise _Loud
        if isinstance(node, ast.Name):
            self._name(node)
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and not isinstance(node.ctx, ast.Load):
            self._store_into(node)
        elif isinstance(node, ast.AugAssign):
            self._augmented(node)
        elif isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, ast.FunctionDef):
            if node.decorator_list:
                raise _Loud  # a decorator runs now
            self.stored.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    raise _Loud
                self.stored.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self.stored.add(node.name)

    def _name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):
            self.stored.add(node.id)
            return
        if node.id in self.namespace:
            if not self._safe(self.namespace[node.id]):
                raise _Loud
        elif hasattr(builtins, node.id) and not self._safe_builtin(node.id):
            raise _Loud

    def _safe_builtin(self, name: str) -> bool:
        value = getattr(builtins, name)
        return name in _SAFE_BUILTINS or (isinstance(value, type) and issubclass(value, BaseException))

    def _safe(self, value: Any, depth: int = 0) -> bool:
        """A value whose methods and operators run only engine code or the interpreter's own."""
        if isinstance(value, self.tensor_type) or type(value) in _SCALARS:
            return True
        if isinstance(value, ModuleType):
            return value.__name__.split(".")[0] in ("torch", self.tensor_type.__module__.split(".")[0])
        if type(value) in _CONTAINERS and depth == 0 and len(value) <= _MAX_ITEMS:
            items = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
            return all(type(k) in _SCALARS and self._safe(v, 1) for k, v in items)
        return False

    def _root(self, node: ast.AST) -> ast.AST:
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        return node

    def _writes_argument(self, func: ast.Attribute, name: str) -> bool:
        if name in _AUTOGRAD_FUNCTIONS or name in _UNREGISTERED_WRITERS:
            return True
        if self.engine:
            return name in registry_names()[1]
        target: Any = None
        chain = func
        names = []
        while isinstance(chain, ast.Attribute):
            names.append(chain.attr)
            chain = chain.value
        target = self.namespace.get(chain.id) if isinstance(chain, ast.Name) else None
        for attr in reversed(names):
            if not isinstance(target, ModuleType) and attr != names[0]:
                return True  # not a plain module path: assume it may write
            target = getattr(target, attr, None)
        try:
            return target is None or _takes_inplace_switch(target)
        except TypeError:  # unhashable: cannot be cached, and is no torch function
            return True

    def _store_into(self, node: ast.Attribute | ast.Subscript) -> None:
        """`x.grad = None`, `xs[0] = x`, `del d[k]`: the root name's contents change; a tensor's own state
        changes for every name holding it, and so may an item's (`xs[0][1] = 5`)."""
        root = self._root(node)
        if not isinstance(root, ast.Name):
            raise _Loud  # f().a = 1: writes into an object we cannot name
        self.stored.add(root.id)
        held = self.namespace.get(root.id)
        if node.value is not root or type(held) not in _CONTAINERS:
            self.others = True

    def _augmented(self, node: ast.AugAssign) -> None:
        target = node.target
        if not isinstance(target, ast.Name):
            return  # x.a += 1, xs[0] += 1: the store into the target is visited on its own
        if target.id in self.namespace and type(self.namespace[target.id]) not in _SCALARS:
            self.others = True  # `x += 1` works in place on a tensor (and on a list)
        self.stored.add(target.id)

    def _call(self, node: ast.Call) -> None:
        if any(k.arg is None or k.arg in _WRITING_KEYWORDS for k in node.keywords):
            self.others = True  # out=, inplace=, or **kwargs that may hold them
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in self.namespace or not (hasattr(builtins, func.id) and self._safe_builtin(func.id)):
                raise _Loud  # a function of the user's, or something unknown
            return
        if not isinstance(func, ast.Attribute):
            raise _Loud  # f()(), fs[0](), (lambda: ...)()
        name = func.attr
        root = self._root(func)
        on_module = isinstance(root, ast.Name) and isinstance(self.namespace.get(root.id), ModuleType)
        if isinstance(root, ast.Name) and not on_module:
            self.stored.add(root.id)  # a method may change its receiver's contents (xs.append(t))
        if name in ("register_hook", "register_post_accumulate_grad_hook"):
            raise _Loud  # the hook is user code that a backward (maybe in this very example) will run
        if _in_place(name, self.engine) or name in _AUTOGRAD_METHODS:
            self.others = True
            if name == "backward" and self.callbacks:
                raise _Loud
            return
        if on_module and self._writes_argument(func, name):
            self.others = True  # torch.autograd.backward(...), F.relu(x, True), ...
            if name in _AUTOGRAD_FUNCTIONS and self.callbacks:
                raise _Loud
