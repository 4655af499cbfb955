"""torch.special: the functions declared in gradsh.engine.ops.special, and the torch.* ops it also names."""

from gradsh.engine import methods as _methods  # noqa: F401 - completes Tensor and runs every declaration
from gradsh.engine import registry as _registry
from gradsh.engine import unsupported as _unsupported

_torch = _registry.functions("torch")
globals().update(_registry.functions("torch.special"))

# torch.special's names for ops that live in torch.* too
digamma = psi = _torch["digamma"]
erf = _torch["erf"]
erfc = _torch["erfc"]
erfinv = _torch["erfinv"]
exp2 = _torch["exp2"]
expit = _torch["sigmoid"]
expm1 = _torch["expm1"]
gammainc = _torch["igamma"]
gammaincc = _torch["igammac"]
gammaln = _torch["lgamma"]
i0 = _torch["i0"]
log1p = _torch["log1p"]
log_softmax = _torch["log_softmax"]
logit = _torch["logit"]
logsumexp = _torch["logsumexp"]
multigammaln = _torch["mvlgamma"]
polygamma = _torch["polygamma"]
round = _torch["round"]
sinc = _torch["sinc"]
softmax = _torch["softmax"]
xlogy = _torch["xlogy"]
del _torch

__getattr__ = _unsupported.module_getattr("torch.special")
