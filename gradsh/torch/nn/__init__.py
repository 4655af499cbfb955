"""torch.nn: Parameter (modules come with the nn issue)."""

from gradsh.engine.parameter import Parameter  # noqa: F401
from gradsh.torch import _unsupported

from . import functional  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.nn")
