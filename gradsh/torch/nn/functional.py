"""torch.nn.functional: activations, losses, linear and dropout on gradsh's engine."""

from gradsh.engine import methods as _methods  # noqa: F401 - completes Tensor and runs every declaration
from gradsh.engine import registry as _registry
from gradsh.engine import unsupported as _unsupported
from gradsh.engine.ops.activations import celu_, rrelu_, selu_, threshold_  # noqa: F401 - torch's own, also under F
from gradsh.engine.ops.unary import sigmoid, tanh  # noqa: F401 - torch's own, also under F

globals().update(_registry.functions("torch.nn.functional"))

__getattr__ = _unsupported.module_getattr("torch.nn.functional")
