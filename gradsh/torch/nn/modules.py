"""torch.nn.modules: the module classes (also reachable as torch.nn.X)."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.nn import *
from gradsh.engine.nn.module import Module  # noqa: F401

# PyTorch's torch.nn.modules is a package: with a __path__, `import torch.nn.modules.loss` reaches the
# import finders (which say what gradsh lacks) instead of failing as "'torch.nn.modules' is not a package"
__path__: list[str] = []

__getattr__ = _unsupported.module_getattr("torch.nn.modules")
