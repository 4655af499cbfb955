"""torch.autograd.function: Function, its ctx and once_differentiable."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.autograd_function import (  # noqa: F401
    BackwardCFunction,
    Function,
    FunctionCtx,
    once_differentiable,
)

__getattr__ = _unsupported.module_getattr("torch.autograd.function")
