"""The default device: gradsh computes on the CPU only, which is what it lets one choose."""

from __future__ import annotations

from typing import Any

from gradsh.engine.tensor import device

_CPU = device("cpu")


def get_default_device() -> device:
    return _CPU


def set_default_device(device: Any) -> None:
    """`torch.set_default_device('cpu')` (or None) as on PyTorch; any other device has no CUDA behind it."""
    name = None if device is None else str(device)
    if name is not None and name.split(":")[0] != "cpu":
        raise AssertionError("Torch not compiled with CUDA enabled")
