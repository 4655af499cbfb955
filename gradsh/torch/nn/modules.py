"""torch.nn.modules: the module classes (also reachable as torch.nn.X)."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.nn import *
from gradsh.engine.nn.module import Module  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.nn.modules")
