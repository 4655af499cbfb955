"""torch.nn.utils.clip_grad: where PyTorch defines the clipping functions."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.nn.utils import (  # noqa: F401
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)

__getattr__ = _unsupported.module_getattr("torch.nn.utils.clip_grad")
