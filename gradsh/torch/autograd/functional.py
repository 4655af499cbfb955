"""torch.autograd.functional: vjp, jvp, jacobian, hessian, vhp, hvp."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.autograd_functional import hessian, hvp, jacobian, jvp, vhp, vjp  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.autograd.functional")
