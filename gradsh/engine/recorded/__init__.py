"""PyTorch 2.13's names, recorded from the real package by scripts/record_torch_api.py, and their reader.

The JSON files here ship with the package. Nothing is read at import: each file is loaded on first use
and cached, so a miss costs the load once and a set lookup after. Signatures: gradsh/engine/torch_api.py.
"""

from __future__ import annotations

import functools
import os
from typing import Any

_HERE = os.path.dirname(__file__)


@functools.cache
def load(filename: str) -> dict[str, Any]:
    """One recorded JSON file ("torch_names.json", "torch_signatures.json"), parsed once."""
    import json  # startup: read on the first miss; importing gradsh.torch must not pay for json

    with open(os.path.join(_HERE, filename), encoding="utf-8") as f:
        return json.load(f)


@functools.cache
def _name_sets() -> dict[str, frozenset[str]]:
    data = load("torch_names.json")
    sets = {module: frozenset(names) for module, names in data["modules"].items()}
    sets["torch.Tensor"] = frozenset(data["tensor"])
    return sets


@functools.cache
def _submodules() -> frozenset[str]:
    return frozenset(load("torch_names.json")["submodules"])


def recorded_modules() -> list[str]:
    """The modules whose `dir()` was recorded, plus "torch.Tensor" for the Tensor class."""
    return sorted(_name_sets())


def torch_has(module_qualname: str, name: str) -> bool:
    """Whether `name` is in the `dir()` of PyTorch's `module_qualname` ("torch.nn", "torch.Tensor", ...).

    A module whose names were not recorded has none: the caller then treats every name as unknown.
    """
    names = _name_sets().get(module_qualname)
    return names is not None and name in names


def submodule_exists(qualname: str) -> bool:
    """Whether `import <qualname>` names a module of PyTorch ("torch.linalg", "torch.nn.utils.rnn")."""
    return qualname in _submodules()
