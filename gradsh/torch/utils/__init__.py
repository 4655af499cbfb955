"""torch.utils: the data-loading package."""

from gradsh.torch import _unsupported

from . import data  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.utils")
