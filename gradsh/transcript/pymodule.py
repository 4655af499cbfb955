"""A `.py` file's module, for running its docstrings as doctest does: imported by path, with its package.

doctest runs a docstring's examples with a copy of the module's globals; the module is imported as
`pkg.sub.mod` when its folder is a package (an `__init__.py` in each folder up to the first that has
none), so relative imports work. This runs in the file's child process, after `torch` is bound to the
chosen backend, so `import torch` inside the module gets the same engine as the examples.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
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


class _ImportTimeout(BaseException):
    """Importing the module ran past --timeout (a BaseException: the module's `except Exception` cannot eat it)."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """SIGALRM after `seconds` (main thread, POSIX), as the session limits an example."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _ImportTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous or signal.SIG_DFL)


def import_by_path(path: str, timeout: float | None = None) -> ModuleType:
    """Import the module of a `.py` file with its package; InputError (exit 2) with the module's own traceback
    when importing it raises, as Python would show it, without gradsh's or importlib's frames, or when it runs
    longer than `timeout` seconds."""
    root, parts = package_root(path)
    if not parts:
        raise InputError(path, "cannot tell the module's name")
    sys.path.insert(0, str(root))
    name = ".".join(parts)
    _forget(parts[0])
    try:
        with _time_limit(timeout):
            return importlib.import_module(name)
    except _ImportTimeout:
        raise InputError(path, f"importing the module {name} took longer than {timeout:g} s (--timeout)") from None
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
