"""torch.nn on gradsh's engine: Module and its registries, layers, losses and initialisers."""

from ..parameter import Parameter
from . import conv as _conv
from . import dropout_embedding as _dropout_embedding
from . import init
from . import layers as _layers
from . import lazy as _lazy
from . import linear_cross_entropy as _linear_cross_entropy
from . import loss as _loss
from . import normalization as _normalization
from . import padding as _padding
from . import pooling as _pooling
from . import rnn as _rnn
from . import shape_distance as _shape_distance
from . import transformer as _transformer
from .conv import *
from .dropout_embedding import *
from .layers import *
from .layers import (
    ELU,
    GELU,
    Dropout,
    Flatten,
    Hardtanh,
    Identity,
    LeakyReLU,
    Linear,
    LogSigmoid,
    LogSoftmax,
    ModuleDict,
    ModuleList,
    ParameterList,
    ReLU,
    ReLU6,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .lazy import *
from .linear_cross_entropy import *
from .loss import *
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss
from .module import Module
from .normalization import *
from .padding import *
from .pooling import *
from .rnn import *
from .shape_distance import *
from .transformer import *

__all__ = [
    "ELU",
    "GELU",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Hardtanh",
    "HuberLoss",
    "Identity",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LogSigmoid",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ParameterList",
    "ReLU",
    "ReLU6",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "Tanh",
    "init",
]
__all__ += [n for n in _layers.__all__ + _loss.__all__ if n not in __all__]
__all__ += _conv.__all__ + _pooling.__all__ + _normalization.__all__ + _dropout_embedding.__all__ + _rnn.__all__ + _padding.__all__
__all__ += _shape_distance.__all__ + _transformer.__all__ + _linear_cross_entropy.__all__ + _lazy.__all__
