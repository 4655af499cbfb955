"""A `.py` file's module, for running its docstrings as doctest does: imported by path, with its package.

doctest runs a docstring's examples with a copy of the module's globals; the module is imported as
`pkg.sub.mod` when its folder is a package (an `__init__.py` in each folder up to the first that has
none), so relative imports work. This runs in the file's child process, after `torch` is bound to the
chosen backend, so `import torch` inside the module gets the same engine as the examples.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType

from gradsh.transcript.source import InputError

_GRADSH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_IMPORTLIB = importlib.__file__ or ""


def package_root(path: str | Path) -> tuple[Path, list[str]]:
    """The folder to put on sys.path, and the module's dotted name as parts (`pkg/sub/mod.py` -> ["pkg", "sub", "mod"])."""
    file = Path(os.path.abspath(path))
    parts = [] if file.stem == "__init__" else [file.stem]
    folder = file.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return folder, parts


def module_name(path: str | Path) -> str:
    """The name doctest gives the module of a `.py` file: its dotted name within its package."""
    return ".".join(package_root(path)[1])


def _forget(top: str) -> None:
    """Drop a package imported before (by pytest, which imports a package's `__init__.py`, or a module of that name
    from elsewhere): imported again here, its own `import torch` gets the backend bound now. gradsh and torch stay."""
    if top in ("gradsh", "torch"):
        return
    for loaded in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
        del sys.modules[loaded]


def import_by_path(path: str) -> ModuleType:
    """Import the module of a `.py` file with its package; InputError (exit 2) with the module's own traceback
    when importing it raises, as Python would show it, without gradsh's or importlib's frames."""
    root, parts = package_root(path)
    if not parts:
        raise InputError(path, "cannot tell the module's name")
    sys.path.insert(0, str(root))
    name = ".".join(parts)
    _forget(parts[0])
    try:
        return importlib.import_module(name)
    except BaseException as exc:  # noqa: BLE001 - whatever the module's code raises, SystemExit too, is the user's
        raise InputError(path, f"importing the module {name} failed:\n{_user_traceback(exc)}") from None


def _user_traceback(exc: BaseException) -> str:
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if not f.filename.startswith((_GRADSH_DIR, "<frozen importlib")) and f.filename != _IMPORTLIB
    ]
    head = "Traceback (most recent call last):\n" if frames else ""
    body = "".join(traceback.format_list(frames))
    return (head + body + "".join(traceback.format_exception_only(type(exc), exc))).rstrip("\n")
