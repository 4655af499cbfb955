"""torch.utils.data.sampler: where PyTorch defines the samplers."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.data_loading.samplers import (  # noqa: F401
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__getattr__ = _unsupported.module_getattr("torch.utils.data.sampler")
