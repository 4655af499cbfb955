"""torch.func: composable transforms (grad, vjp, jvp, jacrev, jacfwd, hessian, linearize, vmap) and module helpers."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.func import (  # noqa: F401
    functional_call,
    grad,
    grad_and_value,
    hessian,
    jacfwd,
    jacrev,
    jvp,
    linearize,
    stack_module_state,
    vjp,
    vmap,
)

__getattr__ = _unsupported.module_getattr("torch.func")
