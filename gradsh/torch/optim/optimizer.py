"""torch.optim.optimizer: where PyTorch defines the Optimizer base class."""

from gradsh.engine.optim import Optimizer, required  # noqa: F401
from gradsh.torch import _unsupported

__getattr__ = _unsupported.module_getattr("torch.optim.optimizer")
