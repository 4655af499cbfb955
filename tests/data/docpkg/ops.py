"""Ops built on helpers (a relative import).

>>> SCALE
2.0
"""

import torch  # noqa: F401 - the docstrings use it, as doctest gives them the module's globals

from .helpers import SCALE, square  # noqa: F401 - square: double's docstring uses it


def double(t):
    """Twice a tensor.

    >>> double(torch.tensor(3.0))
    tensor(6.)
    >>> square(double(torch.ones(2)))
    tensor([4., 4.])
    """
    return t * SCALE


class Scaler:
    """Scales by a factor.

    >>> Scaler(3.0).apply(torch.tensor([1.0, 2.0]))
    tensor([3., 6.])
    """

    def __init__(self, factor):
        self.factor = factor

    def apply(self, t):
        """Applies the factor; under no_grad the result does not require grad.

        >>> w = torch.ones(2, requires_grad=True)
        >>> with torch.no_grad():
        ...     out = Scaler(2.0).apply(w)
        >>> out.requires_grad
        False
        """
        return t * self.factor
