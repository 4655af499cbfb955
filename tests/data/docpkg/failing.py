"""Examples that fail, on gradsh and under Python's doctest alike.

>>> import torch
>>> torch.tensor([1.0, 2.0]).sum()
tensor(4.)
"""

import torch  # noqa: F401 - the docstrings use it, as doctest gives them the module's globals


def kept_apart(t):
    """A docstring does not see names another docstring bound.

    >>> left_over = torch.ones(1)
    >>> left_over
    tensor([1.])
    """
    return t


def sees_nothing_else():
    """Names bound in kept_apart's docstring are not here (NameError, unexpected).

    >>> left_over
    tensor([1.])
    >>> kept_apart(torch.zeros(1))
    tensor([0.])
    """


def raises():
    """A backward through a tensor that does not require grad, expected with the wrong message.

    >>> torch.ones(2).sum().backward()
    Traceback (most recent call last):
      ...
    RuntimeError: something else
    >>> torch.ones(2).sum().requires_grad
    False
    """
