"""torch.masked: the masked reductions and normalizations declared in gradsh.engine.ops.masked."""

from gradsh.engine import methods as _methods  # noqa: F401 - completes Tensor and runs every declaration
from gradsh.engine import registry as _registry
from gradsh.engine import unsupported as _unsupported

globals().update(_registry.functions("torch.masked"))

__getattr__ = _unsupported.module_getattr("torch.masked")
