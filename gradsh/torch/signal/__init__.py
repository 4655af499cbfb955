"""torch.signal: its one submodule, windows."""

from gradsh.engine import unsupported as _unsupported

from . import windows  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.signal")
