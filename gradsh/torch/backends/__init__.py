"""torch.backends: the CPU build's answers (no MPS, no CUDA; cuDNN flags kept as settings)."""

from __future__ import annotations

from types import SimpleNamespace

from gradsh.engine import unsupported as _unsupported


def _false() -> bool:
    return False


mps = SimpleNamespace(is_available=_false, is_built=_false)
cuda = SimpleNamespace(is_built=_false)
cudnn = SimpleNamespace(enabled=True, deterministic=False, benchmark=False, is_available=_false)

__getattr__ = _unsupported.module_getattr("torch.backends")
