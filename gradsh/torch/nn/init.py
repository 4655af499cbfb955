"""torch.nn.init: in-place initialisers (they run under no_grad)."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.nn.init import (  # noqa: F401
    _calculate_correct_fan,
    _calculate_fan_in_and_fan_out,
    calculate_gain,
    constant_,
    eye_,
    kaiming_normal_,
    kaiming_uniform_,
    normal_,
    ones_,
    uniform_,
    xavier_normal_,
    xavier_uniform_,
    zeros_,
)

__getattr__ = _unsupported.module_getattr("torch.nn.init")
