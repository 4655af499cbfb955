"""Which names an example can change, told from its text: so the grad report re-reads only those.

The grad report compares every tensor's state before and after each example; reading all of them
after every example makes a file with many names quadratic. Most examples only bind names
(`t = torch.ones(2)`, `y = x * 2`): they cannot change any tensor already held elsewhere. This
module recognises such examples conservatively, from the syntax tree and the kinds of values the
names hold before the example runs. An example is *quiet* when everything it can reach is engine
code or plain data: it loads only tensors, the torch modules, numbers, strings and small
containers of those, and safe builtins; it calls only torch functions and tensor methods that do
not work in place (no trailing `_`, no `out=`/`inplace=`, no backward/grad/retain_grad); it
assigns only to plain names. Then the names it binds or deletes are all that can change. Anything
else (a call of user code, a module or optimizer, an attribute or item assignment, `x += 1` on a
tensor, a class body, ...) may change any tensor: None, and every name is read again.
"""

from __future__ import annotations

import ast
import builtins
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
# Called on anything, these change their receiver or other tensors (or may, through hooks).
_MUTATING_METHODS = frozenset(
    [
        "backward",
        "retain_grad",
        "register_hook",
        "register_post_accumulate_grad_hook",
        "step",
        "zero_grad",
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "clear",
        "update",
        "setdefault",
        "popitem",
        "add",
        "discard",
        "sort",
        "reverse",
    ]
)
# torch functions that write to an argument without a trailing underscore or an out=/inplace= keyword.
_WRITING_FUNCTIONS = frozenset(
    [
        "backward",
        "grad",
        "relu",
        "relu6",
        "elu",
        "selu",
        "celu",
        "leaky_relu",
        "hardtanh",
        "hardswish",
        "hardsigmoid",
        "silu",
        "mish",
        "threshold",
        "rrelu",
        "dropout",
        "dropout1d",
        "dropout2d",
        "dropout3d",
        "alpha_dropout",
        "feature_alpha_dropout",
        "set_rng_state",
    ]
)
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
    """The example may change tensors held by names it does not bind."""


def names_changed(source: str, namespace: dict[str, Any], tensor_type: type) -> set[str] | None:
    """The top-level names whose tensors running `source` can change, or None when that may be any name.

    Called before the example runs: the values its names hold decide what its calls can do."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()  # it will not compile, so nothing runs
    except (ValueError, RecursionError, MemoryError):
        return None
    reader = _Reader(namespace, tensor_type)
    try:
        for node in ast.walk(tree):
            reader.visit(node)
    except _Loud:
        return None
    return reader.stored


class _Reader:
    def __init__(self, namespace: dict[str, Any], tensor_type: type) -> None:
        self.namespace = namespace
        self.tensor_type = tensor_type
        self.stored: set[str] = set()

    def visit(self, node: ast.AST) -> None:
        if isinstance(node, _LOUD_NODES):
            raise _Loud
        if isinstance(node, ast.Name):
            self._name(node)
        elif isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)) and not isinstance(node.ctx, ast.Load):
            if not isinstance(node, ast.Starred):
                raise _Loud  # x.grad = ..., x[0] = ..., del d[k]: writes into an object
        elif isinstance(node, ast.AugAssign):
            self._augmented(node)
        elif isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
            if isinstance(node, ast.FunctionDef):
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

    def _augmented(self, node: ast.AugAssign) -> None:
        target = node.target
        if not isinstance(target, ast.Name):
            raise _Loud
        if target.id in self.namespace and type(self.namespace[target.id]) not in _SCALARS:
            raise _Loud  # `x += 1` works in place on a tensor (and on a list)
        self.stored.add(target.id)

    def _call(self, node: ast.Call) -> None:
        if any(k.arg is None or k.arg in _WRITING_KEYWORDS for k in node.keywords):
            raise _Loud
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in self.namespace or not (hasattr(builtins, func.id) and self._safe_builtin(func.id)):
                raise _Loud  # a function of the user's, or something unknown
            return
        if not isinstance(func, ast.Attribute):
            raise _Loud  # f()(), fs[0](), (lambda: ...)()
        name = func.attr
        if (name.endswith("_") and not name.endswith("__")) or name in _MUTATING_METHODS:
            raise _Loud
        root = func.value
        while isinstance(root, ast.Attribute):
            root = root.value
        on_module = isinstance(root, ast.Name) and isinstance(self.namespace.get(root.id), ModuleType)
        if on_module and name in _WRITING_FUNCTIONS:
            raise _Loud  # torch.autograd.backward(...), F.relu(x, True), ...
