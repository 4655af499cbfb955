"""torch.autograd.gradcheck: numerical gradient checks."""

from gradsh.engine.autograd_functional import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
from gradsh.torch import _unsupported

__getattr__ = _unsupported.module_getattr("torch.autograd.gradcheck")
