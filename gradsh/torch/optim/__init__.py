"""torch.optim: the optimizers gradsh implements, and lr_scheduler."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.optim import (  # noqa: F401
    ASGD,
    LBFGS,
    SGD,
    Adadelta,
    Adafactor,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Muon,
    NAdam,
    Optimizer,
    RAdam,
    RMSprop,
    Rprop,
    SparseAdam,
)

from . import lr_scheduler, optimizer  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.optim")
