"""torch.autograd: backward, grad, and the grad-mode managers under their autograd names."""

from gradsh.engine.autograd_function import Function  # noqa: F401
from gradsh.engine.autograd_functional import gradcheck, gradgradcheck  # noqa: F401
from gradsh.engine.backward import backward, grad  # noqa: F401
from gradsh.engine.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: F401
from gradsh.torch import _unsupported

from . import function, functional, grad_mode  # noqa: F401
from ._variable import Variable  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.autograd")
