"""The error for a name gradsh does not implement: say which, and how to run it on real PyTorch."""

from __future__ import annotations


def unsupported(qualname: str) -> AttributeError:
    return AttributeError(
        f"gradsh does not implement {qualname}; run the transcript with --backend torch to use real PyTorch"
    )


def module_getattr(prefix: str):
    def __getattr__(name: str) -> object:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise unsupported(f"{prefix}.{name}")

    return __getattr__
