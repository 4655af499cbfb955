"""torch.optim: the optimizers gradsh implements."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.optim import SGD, Adam, AdamW, Optimizer  # noqa: F401

from . import optimizer  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.optim")
