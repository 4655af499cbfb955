"""A small package whose docstrings are checked as doctest checks them (tests/test_py_modules.py).

>>> from docpkg.ops import double
>>> double(torch.tensor([1.0, 2.0]))
tensor([2., 4.])
"""

import torch  # noqa: F401 - the docstrings use it, as doctest gives them the module's globals
