"""torch.autograd.graph: Node, GradientEdge, multi-tensor hooks and saved-tensor hooks."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.autograd_graph import (  # noqa: F401
    GradientEdge,
    allow_mutation_on_saved_tensors,
    disable_saved_tensors_hooks,
    get_gradient_edge,
    increment_version,
    register_multi_grad_hook,
    save_on_cpu,
    saved_tensors_hooks,
)
from gradsh.engine.graph import Node  # noqa: F401
from gradsh.engine.hooks import RemovableHandle  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.autograd.graph")
