"""torch.nn.functional: the activations the engine has."""

from gradsh.engine.ops.elementwise import relu, sigmoid, tanh  # noqa: F401
from gradsh.engine.ops.reduction import log_softmax, softmax  # noqa: F401
from gradsh.torch import _unsupported

__getattr__ = _unsupported.module_getattr("torch.nn.functional")
