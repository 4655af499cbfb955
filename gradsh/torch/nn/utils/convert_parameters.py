"""torch.nn.utils.convert_parameters: parameters_to_vector and vector_to_parameters."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.nn.utils import parameters_to_vector, vector_to_parameters  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.nn.utils.convert_parameters")
