"""torch.utils.data: datasets, samplers, DataLoader, collation."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.data_loading import (  # noqa: F401
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)

from . import dataloader, dataset, sampler  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.utils.data")
