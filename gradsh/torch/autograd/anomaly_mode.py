"""torch.autograd.anomaly_mode: where PyTorch defines detect_anomaly and set_detect_anomaly."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.anomaly import detect_anomaly, set_detect_anomaly  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.autograd.anomaly_mode")
