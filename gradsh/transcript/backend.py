"""Binding `import torch` (and `import torch.nn.functional as F`, ...) to a backend module."""

from __future__ import annotations

import importlib
import importlib.abc
import pkgutil
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

from gradsh.backends import needs_torch

DEFAULT_BACKEND = "gradsh.torch"


class BackendError(Exception):
    """The backend cannot be imported (e.g. `--backend torch` without PyTorch installed)."""


def torch_modules() -> dict[str, ModuleType]:
    """The current sys.modules entries for torch and torch.*, to restore later (see Session.close)."""
    return {n: m for n, m in sys.modules.items() if n == "torch" or n.startswith("torch.")}


def restore_torch(saved: dict[str, ModuleType]) -> None:
    """Put back the torch entries `torch_modules()` saved: a finished session leaves sys.modules as it found it."""
    _forget_torch()
    sys.modules.update(saved)


def preload(backend: str) -> ModuleType:
    """Import a backend without binding `torch` to gradsh (BackendError when it cannot be imported)."""
    return bind_torch("torch") if backend == "torch" else load(backend)


_bound: dict[str, ModuleType] = {}  # the backend bind_torch bound last, while it stays bound


def is_bound(backend: str) -> bool:
    """`torch` is bound to `backend` (a non-torch one) by bind_torch and still is."""
    module = _bound.get("torch")
    return module is not None and sys.modules.get("torch") is module and module.__name__ == backend


def _forget_torch() -> None:
    _bound.clear()
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        del sys.modules[name]


_WALKED: set[str] = set()  # backends whose subtree is imported: walking the folders again costs ~1 ms


def load(backend: str) -> ModuleType:
    """Import a (non-torch) backend and its whole subtree without binding it: cheap children after a fork."""
    try:
        module = importlib.import_module(backend)
    except ImportError as exc:
        raise BackendError(f"cannot import the backend {backend!r}: {exc}") from None
    # Import the whole subtree so `import torch.nn.functional as F` finds a module, not a miss.
    if hasattr(module, "__path__") and backend not in _WALKED:
        _WALKED.add(backend)
        for info in pkgutil.walk_packages(module.__path__, prefix=backend + "."):
            importlib.import_module(info.name)
    return module


class MissingTorchSubmodules(importlib.abc.MetaPathFinder):
    """Last on sys.meta_path: `import torch.x` of a PyTorch submodule gradsh lacks says so.

    Only while `torch` is bound to gradsh.torch; a name PyTorch has not either (a typo) is left to
    Python's own "No module named 'torch.x'".
    """

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> ModuleSpec | None:
        if not fullname.startswith("torch."):
            return None
        bound = sys.modules.get("torch")
        if bound is None or bound.__name__ != DEFAULT_BACKEND:
            return None
        # imported here, on a miss only: gradsh.engine brings numpy, which `gradsh --help` must not load
        from gradsh.engine.recorded import submodule_exists
        from gradsh.engine.unsupported import unsupported_message

        if submodule_exists(fullname):
            raise ModuleNotFoundError(unsupported_message(fullname), name=fullname)
        return None


_FINDER = MissingTorchSubmodules()


def _install_finder() -> None:
    if _FINDER not in sys.meta_path:
        sys.meta_path.append(_FINDER)


def bind_torch(backend: str = DEFAULT_BACKEND) -> ModuleType:
    """Point sys.modules["torch"] and every torch.<sub> at `backend` and its submodules; return it."""
    if backend == "torch":
        existing = sys.modules.get("torch")
        if existing is not None and not existing.__name__.startswith("torch"):
            _forget_torch()  # an earlier binding to another backend must not pass for real PyTorch
        try:
            import torch  # real PyTorch binds itself
        except ImportError as exc:
            raise BackendError(needs_torch(str(exc))) from None
        return torch
    module = load(backend)
    if sys.modules.get("torch") is module and _bound.get("torch") is module:
        return module  # bound already (the parent binds before it forks its file runners): nothing to redo
    _forget_torch()
    _bound["torch"] = sys.modules["torch"] = module
    prefix = backend + "."
    for name, sub in list(sys.modules.items()):
        if name.startswith(prefix) and sub is not None:
            sys.modules["torch." + name[len(prefix) :]] = sub
    _install_finder()
    return module
