"""torch.optim.optimizer: where PyTorch defines the Optimizer base class."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.optim import Optimizer, required  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.optim.optimizer")
