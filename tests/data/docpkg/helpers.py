"""Helpers the other module imports relatively."""

import torch  # noqa: F401 - the docstrings use it, as doctest gives them the module's globals


def square(t):
    """The square of a tensor, recorded for backward.

    >>> x = torch.tensor(3.0, requires_grad=True)
    >>> y = square(x)
    >>> y
    tensor(9., grad_fn=<MulBackward0>)
    >>> y.backward()
    >>> x.grad
    tensor(6.)
    """
    return t * t


SCALE = 2.0
