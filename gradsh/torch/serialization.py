"""torch.serialization: save and load in PyTorch's zip format."""

from gradsh.engine.serialization import (  # noqa: F401
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    load,
    safe_globals,
    save,
)
from gradsh.torch import _unsupported

__getattr__ = _unsupported.module_getattr("torch.serialization")
