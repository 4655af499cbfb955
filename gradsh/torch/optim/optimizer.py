"""torch.optim.optimizer: where PyTorch defines the Optimizer base class and the global step hooks."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.optim.optimizer import (  # noqa: F401
    Optimizer,
    register_optimizer_step_post_hook,
    register_optimizer_step_pre_hook,
    required,
)

__getattr__ = _unsupported.module_getattr("torch.optim.optimizer")
