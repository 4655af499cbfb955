"""torch.nn.utils: gradient clipping and parameter/vector conversion."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.nn.utils import (  # noqa: F401
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)

from . import clip_grad, convert_parameters, rnn  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.nn.utils")
