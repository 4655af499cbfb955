"""gradsh's torch-compatible namespace: `import torch` in a transcript resolves here.

Names only: everything is implemented in gradsh.engine and re-exported with PyTorch's names.
"""

from __future__ import annotations

from gradsh.engine import dtypes as _dtypes
from gradsh.engine import methods as _methods  # noqa: F401 - completes Tensor
from gradsh.engine import registry as _registry
from gradsh.engine import unsupported as _unsupported
from gradsh.engine.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: F401
from gradsh.engine.autograd_extras import is_inference  # noqa: F401
from gradsh.engine.backward import backward as _backward  # noqa: F401
from gradsh.engine.dtypes import (  # noqa: F401
    bfloat16,
    complex64,
    complex128,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from gradsh.engine.grad_mode import (  # noqa: F401
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from gradsh.engine.ops import random_ops as _random_ops
from gradsh.engine.tensor import Size, Tensor, device  # noqa: F401

bool = _dtypes.bool_
float = float32
double = float64
half = float16
cfloat = complex64
cdouble = complex128
short = int16
int = int32
long = int64

# random numbers: seeding, generators and the sampling factories
Generator = _random_ops.Generator
default_generator = _random_ops.default_generator
manual_seed = _random_ops.manual_seed
seed = _random_ops.seed
initial_seed = _random_ops.initial_seed
get_rng_state = _random_ops.get_rng_state
set_rng_state = _random_ops.set_rng_state
# every torch.* op, by every name it goes by, from the declarations beside the forwards
globals().update(_registry.functions("torch"))

from gradsh.engine.ops.aten import ops  # noqa: F401 - the explicit overloads (torch.ops.aten.add.Scalar)


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


def numel(t: Tensor) -> int:
    return t.numel()


def is_floating_point(t: Tensor) -> bool:
    return t.dtype.is_floating_point


def is_complex(t: Tensor) -> bool:
    return t.dtype.is_complex


from . import (  # noqa: F401
    autograd,
    backends,
    cuda,
    fft,
    func,
    linalg,
    masked,
    nn,
    optim,
    serialization,
    signal,
    special,
    testing,
    utils,
)
from ._devices import get_default_device, set_default_device  # noqa: F401
from ._legacy import TYPED_TENSORS as _TYPED_TENSORS
from ._legacy import VERSION as __version__  # noqa: F401 - PyTorch's version, whose behaviour gradsh reproduces
from .serialization import load, save  # noqa: F401

vmap = func.vmap
globals().update(_TYPED_TENSORS)  # torch.FloatTensor, torch.LongTensor, ...

try:  # printing and random numbers come from their own engine modules
    from gradsh.engine.printing import set_printoptions  # noqa: F401
except ImportError:  # pragma: no cover - while the printer is being written
    pass

__getattr__ = _unsupported.module_getattr("torch")
