"""torch.serialization: save and load in PyTorch's zip format."""

from gradsh.engine.serialization import load, save  # noqa: F401
from gradsh.torch import _unsupported

__getattr__ = _unsupported.module_getattr("torch.serialization")
