"""torch.cuda on a machine without CUDA, as the CPU build of PyTorch answers."""

from __future__ import annotations

from typing import Any

from gradsh.engine.registry import op

from . import _unsupported

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Seeding CUDA when there is none does nothing (PyTorch's lazy seeding)."""


def manual_seed_all(seed: int) -> None:
    """As manual_seed."""


def memory_allocated(device: Any = None) -> int:
    return 0


def _no_cuda(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(_NOT_COMPILED)


@op("cuda", function=False)
def _tensor_cuda(input: Any, device: Any = None, non_blocking: bool = False, *, memory_format: Any = None) -> Any:
    """Tensor.cuda(): there is no CUDA behind it."""
    raise AssertionError(_NOT_COMPILED)


current_device = synchronize = get_device_name = get_device_properties = set_device = init = _no_cuda

__getattr__ = _unsupported.module_getattr("torch.cuda")
