"""Complete Tensor: import every module that declares ops, then set the declared methods on Tensor.

The names come from the declarations beside each forward (registry.op); there is no list here.
"""

from __future__ import annotations

from . import creation, registry  # noqa: F401 - importing a module runs its declarations
from .ops import (  # noqa: F401
    activations,
    attention,
    binary_math,
    complex_ops,
    conv,
    conversion,
    ctc_loss,
    distance,
    elementwise,
    embedding,
    extra,
    fft,
    fold,
    fractional_pool,
    grid_sample,
    indexing,
    inplace,
    interpolate,
    joining,
    linalg,
    linalg_common,
    linalg_einsum,
    linalg_factor,
    linalg_matfuncs,
    linalg_norms,
    linalg_products,
    linalg_solves,
    linalg_spectral,
    linear_cross_entropy,
    losses,
    lowrank,
    mha,
    nn_functional,
    nn_kernels,
    normalization,
    padding,
    pooling,
    random_ops,
    reduction,
    scatter_ops,
    shapes,
    sorting,
    special,
    statistics,
    stft,
    unary,
    views,
)

registry.install()
