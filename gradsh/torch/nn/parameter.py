"""torch.nn.parameter: where PyTorch defines Parameter."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.parameter import Parameter  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.nn.parameter")
