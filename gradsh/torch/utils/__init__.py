"""torch.utils: the data-loading package."""

from gradsh.engine import unsupported as _unsupported

from . import data  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.utils")
