"""torch.save / torch.load in PyTorch's own file format, so files move both ways between gradsh and PyTorch, and
the allowlist of weights_only loads (add_safe_globals). The format itself is in checkpoint_format.py, imported
on first use: pickle and zipfile stay out of `import torch`.
"""

from __future__ import annotations

import os
from typing import IO, Any

_UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` from `False` to "
    "`True`. Re-running `torch.load` with `weights_only` set to `False` will likely succeed, but it can result in "
    "arbitrary code execution. Do it only if you got the file from a trusted source."
)
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default with weights_only "
    "https://pytorch.org/docs/stable/generated/torch.load.html."
)
_user_allowed: list[Any] = []  # add_safe_globals: objects, or (object, "module.name") pairs


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Allow these classes/functions (or (object, "module.name") pairs) in weights_only loads."""
    _user_allowed.extend(safe_globals)


def get_safe_globals() -> list[Any]:
    return list(_user_allowed)


def clear_safe_globals() -> None:
    _user_allowed.clear()


class safe_globals:
    """A context manager that allows the given globals in weights_only loads inside it."""

    def __init__(self, safe_globals: list[Any]) -> None:
        self.safe_globals = safe_globals

    def __enter__(self) -> None:
        _user_allowed.extend(self.safe_globals)

    def __exit__(self, *exc: object) -> None:
        for obj in self.safe_globals:
            _user_allowed.remove(obj)


def _user_global(full_path: str) -> Any:
    for entry in _user_allowed:
        obj, name = entry if isinstance(entry, tuple) else (entry, f"{entry.__module__}.{entry.__qualname__}")
        if name == full_path:
            return obj
    return None


def _weights_only_message(message: str) -> str:
    if "was not an allowed global by default." in message:
        return ("Weights only load failed. This file can still be loaded, to do so you have two options, "
                "\033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
                f"\n\t(1) {_UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` please check the "
                "recommended steps in the following error message.\n\tWeightsUnpickler error: " + message
                + _DOCS_MESSAGE)
    text = f"Weights only load failed. {_UNSAFE_MESSAGE}\n"
    if "is blocked" not in message:
        text += ("Please file an issue with the following so that we can make `weights_only=True` compatible with "
                 "your use case: WeightsUnpickler error: ")
    return text + "\n\n" + message + _DOCS_MESSAGE



def save(obj: Any, f: str | os.PathLike | IO[bytes], pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """torch.save: write obj to a path or a binary file object in PyTorch's zip format."""
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("gradsh writes only PyTorch's zip format (_use_new_zipfile_serialization=True)")
    from .checkpoint_format import write_checkpoint  # startup: zipfile and pickle only when saving

    write_checkpoint(obj, f, _disable_byteorder_record)


def load(f: str | os.PathLike | IO[bytes], map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """torch.load: read a file PyTorch (or gradsh) saved; weights_only (the default) refuses other globals."""
    from .checkpoint_format import read_checkpoint  # startup: zipfile and pickle only when loading

    return read_checkpoint(f, True if weights_only is None else weights_only)


__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "load", "safe_globals", "save"]
