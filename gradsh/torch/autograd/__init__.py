"""torch.autograd: backward, grad, and the grad-mode managers under their autograd names."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.anomaly import detect_anomaly, set_detect_anomaly  # noqa: F401
from gradsh.engine.autograd_extras import (  # noqa: F401
    Variable,
    is_multithreading_enabled,
    is_view_replay_enabled,
    set_multithreading_enabled,
    variable,
)
from gradsh.engine.autograd_function import Function  # noqa: F401
from gradsh.engine.autograd_functional import gradgradcheck  # noqa: F401
from gradsh.engine.backward import backward, grad  # noqa: F401
from gradsh.engine.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: F401

from . import anomaly_mode, forward_ad, function, functional, grad_mode, graph  # noqa: F401
from . import gradcheck as _gradcheck_module

# the function, as in PyTorch: the submodule of the same name is loaded above, so that importing it later
# (a session imports every facade module) cannot put the module in the function's place
gradcheck = _gradcheck_module.gradcheck

__getattr__ = _unsupported.module_getattr("torch.autograd")
