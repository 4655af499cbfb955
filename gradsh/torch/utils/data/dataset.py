"""torch.utils.data.dataset: where PyTorch defines the dataset classes and random_split."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.data_loading.datasets import (  # noqa: F401
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)

__getattr__ = _unsupported.module_getattr("torch.utils.data.dataset")
