"""The error for a missing name, worded as PyTorch 2.13 would meet it.

A name real PyTorch has (its `dir()` is recorded in gradsh/engine/recorded/) but gradsh lacks says so and
points at `--backend torch`; any other name (a typo) gets exactly Python's and PyTorch's own error, so a
transcript with a typo passes here iff it passes on PyTorch. Only reached when normal lookup fails: the
recorded names are read on the first miss, never at import.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from opcode import opmap
from types import FrameType

from .recorded import torch_has

_HINT = "; run the transcript with --backend torch to use real PyTorch"


def unsupported_message(qualname: str) -> str:
    """`gradsh does not implement torch.X; run the transcript with --backend torch to use real PyTorch`."""
    return f"gradsh does not implement {qualname}{_HINT}"


def unsupported(qualname: str) -> AttributeError:
    return AttributeError(unsupported_message(qualname))


def _is_import_from(frame: FrameType | None) -> bool:
    """Whether `frame` is executing `from M import name` (its IMPORT_FROM asked for the attribute)."""
    if frame is None:
        return False
    return frame.f_code.co_code[frame.f_lasti] == opmap["IMPORT_FROM"]


def missing_module_attribute(module: str, name: str, file: str | None, frame: FrameType | None) -> Exception:
    """The error for `module.name` (module as PyTorch names it, e.g. "torch.nn") when gradsh's module lacks it.

    `frame` is the frame that asked: under `from module import name` the error is an ImportError, worded as
    Python words it with PyTorch's module name (Python itself would name gradsh's module).
    """
    importing = _is_import_from(frame)
    if torch_has(module, name):
        message = unsupported_message(f"{module}.{name}")
        return ImportError(message, name=module) if importing else AttributeError(message)
    if importing:
        where = f"({file})" if file else "(unknown location)"
        return ImportError(f"cannot import name '{name}' from '{module}' {where}", name=module, path=file)
    return AttributeError(f"module '{module}' has no attribute '{name}'")


def module_getattr(module: str) -> Callable[[str], object]:
    """A module `__getattr__` for gradsh's mirror of PyTorch's `module` ("torch", "torch.nn.functional")."""
    file = sys._getframe(1).f_globals.get("__file__")  # the mirroring module's own file, as Python would name it

    def __getattr__(name: str) -> object:
        if name[:2] == "__" and name[-2:] == "__":
            # protocol probes (`from m import x` asks a module for __path__): Python's own error, no lookup
            raise AttributeError(f"module '{module}' has no attribute '{name}'")
        raise missing_module_attribute(module, name, file, sys._getframe(1))

    return __getattr__


def missing_tensor_attribute(obj: object, name: str, internal: frozenset[str]) -> AttributeError:
    """The error for `tensor.name` when normal lookup failed; `internal` are gradsh's own slot names.

    Dunder names are protocol probes (numpy asks for `__array_interface__` on every np.asarray(tensor)),
    not names a transcript types: they get Python's error without reading the recorded names.
    """
    dunder = name[:2] == "__" and name[-2:] == "__"
    if not dunder and name not in internal and torch_has("torch.Tensor", name):
        return unsupported(f"torch.Tensor.{name}")
    return AttributeError(f"'{type(obj).__name__}' object has no attribute '{name}'")
