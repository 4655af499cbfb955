"""torch.optim.lr_scheduler: the learning-rate schedulers."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.lr_scheduler import (  # noqa: F401
    EPOCH_DEPRECATION_WARNING,
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiplicativeLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
    _LRScheduler,
)

__getattr__ = _unsupported.module_getattr("torch.optim.lr_scheduler")
