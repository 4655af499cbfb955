"""torch.nn.parameter: where PyTorch defines Parameter."""

from gradsh.engine.parameter import Parameter  # noqa: F401
from gradsh.torch import _unsupported

__getattr__ = _unsupported.module_getattr("torch.nn.parameter")
