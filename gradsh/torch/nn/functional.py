"""torch.nn.functional: activations, losses, linear and dropout on gradsh's engine."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.ops.elementwise import sigmoid, tanh  # noqa: F401
from gradsh.engine.ops.nn_functional import (  # noqa: F401
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    elu,
    gelu,
    hardtanh,
    huber_loss,
    l1_loss,
    leaky_relu,
    linear,
    log_softmax,
    logsigmoid,
    mse_loss,
    nll_loss,
    relu,
    relu6,
    silu,
    smooth_l1_loss,
    softmax,
    softplus,
)
from gradsh.engine.ops.nn_functional import logsigmoid as log_sigmoid  # noqa: F401
from gradsh.engine.ops.random_ops import dropout  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.nn.functional")
