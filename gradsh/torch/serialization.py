"""torch.serialization: save and load in PyTorch's zip format."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.serialization import (  # noqa: F401
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    load,
    safe_globals,
    save,
)

__getattr__ = _unsupported.module_getattr("torch.serialization")
