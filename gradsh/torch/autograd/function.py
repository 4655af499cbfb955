"""torch.autograd.function: Function, its ctx and once_differentiable."""

from gradsh.engine.autograd_function import (  # noqa: F401
    BackwardCFunction,
    Function,
    FunctionCtx,
    once_differentiable,
)
from gradsh.torch import _unsupported

__getattr__ = _unsupported.module_getattr("torch.autograd.function")
