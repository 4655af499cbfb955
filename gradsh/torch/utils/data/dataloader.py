"""torch.utils.data.dataloader: where PyTorch defines DataLoader and default_collate."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.data_loading.collate import default_collate, default_convert  # noqa: F401
from gradsh.engine.data_loading.loader import DataLoader, get_worker_info  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.utils.data.dataloader")
