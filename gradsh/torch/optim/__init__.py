"""torch.optim: the optimizers gradsh implements."""

from gradsh.engine.optim import SGD, Adam, AdamW, Optimizer  # noqa: F401
from gradsh.torch import _unsupported

from . import optimizer  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.optim")
