"""torch.autograd.grad_mode: where PyTorch defines the managers (their repr names this module)."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.grad_mode import (  # noqa: F401
    _DecoratorContextManager,
    _NoParamDecoratorContextManager,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)

__getattr__ = _unsupported.module_getattr("torch.autograd.grad_mode")
