"""Complete Tensor: import every module that declares ops, then set the declared methods on Tensor.

The names come from the declarations beside each forward (registry.op); there is no list here.
"""

from __future__ import annotations

from . import creation, registry  # noqa: F401 - importing a module runs its declarations
from .ops import (  # noqa: F401
    activations,
    aten_internal,
    attention,
    binary_math,
    cdist,
    chunk_cat,
    conv,
    conversion,
    distance,
    elementwise,
    embedding,
    extra,
    factories,
    fft,
    fold,
    gradient,
    histogramdd,
    indexing,
    inplace,
    integer_ops,
    interpolate,
    joining,
    linalg,
    linalg_ext,
    losses,
    masked,
    mha,
    nn_functional,
    normalization,
    padding,
    pooling,
    random_ops,
    reduction,
    scatter_ops,
    segment_reduce,
    shapes,
    sorting,
    special,
    statistics,
    unary,
    views,
    windows,
)

registry.install()
