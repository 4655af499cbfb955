"""gradsh: a shell for PyTorch grad-mode experiments, on its own autograd engine."""

__version__ = "0.1.0"
