"""torch.autograd.forward_ad: dual tensors carrying tangents through the ops (forward-mode AD)."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.forward_ad import (  # noqa: F401
    UnpackedDualTensor,
    dual_level,
    enter_dual_level,
    exit_dual_level,
    make_dual,
    unpack_dual,
)

__getattr__ = _unsupported.module_getattr("torch.autograd.forward_ad")
