"""torch.autograd.gradcheck: numerical gradient checks."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.autograd_functional import GradcheckError, gradcheck, gradgradcheck  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.autograd.gradcheck")
