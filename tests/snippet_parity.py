"""Run one snippet of PyTorch code on real torch and on gradsh.torch and capture what it shows.

A snippet is Python source using the name `torch`; its printed lines, the exceptions it raises
(`Type: message`, then the snippet stops) and the warnings it emits (`Warning: message`) make up its
transcript. Object addresses are masked, so two runs compare character for character.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
import warnings
from types import ModuleType

_ADDRESS = re.compile(r"0x[0-9a-f]+")


def transcript(torch_module: ModuleType, source: str, *, with_warnings: bool = True) -> str:
    out = io.StringIO()
    namespace = {"torch": torch_module, "__name__": "__snippet__"}
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        try:
            exec(compile(textwrap.dedent(source), "<snippet>", "exec"), namespace)  # noqa: S102 - test input
        except Exception as e:  # noqa: BLE001 - the exception is part of the transcript
            print(f"{type(e).__name__}: {e}")
    lines = [out.getvalue()]
    if with_warnings:
        lines += [f"{w.category.__name__}: {w.message}" for w in caught]
    return _ADDRESS.sub("0x?", "\n".join(lines))


def real_torch() -> ModuleType | None:
    try:
        import torch
    except ImportError:
        return None
    return torch if hasattr(torch, "_C") else None
