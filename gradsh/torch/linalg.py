"""torch.linalg: the functions declared in gradsh.engine.ops.linalg_* (and matmul, shared with torch.*)."""

from gradsh.engine import methods as _methods  # noqa: F401 - completes Tensor and runs every declaration
from gradsh.engine import registry as _registry
from gradsh.engine import unsupported as _unsupported

globals().update(_registry.functions("torch.linalg"))
matmul = _registry.functions("torch")["matmul"]

__getattr__ = _unsupported.module_getattr("torch.linalg")
