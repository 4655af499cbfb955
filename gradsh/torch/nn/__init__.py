"""torch.nn: Module, Parameter, the layers and losses gradsh implements, functional and init."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.nn import (  # noqa: F401
    ELU,
    GELU,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Dropout,
    Flatten,
    Hardtanh,
    HuberLoss,
    Identity,
    L1Loss,
    LeakyReLU,
    Linear,
    LogSigmoid,
    LogSoftmax,
    Module,
    ModuleDict,
    ModuleList,
    MSELoss,
    NLLLoss,
    ParameterList,
    ReLU,
    ReLU6,
    Sequential,
    Sigmoid,
    SiLU,
    SmoothL1Loss,
    Softmax,
    Softplus,
    Tanh,
)
from gradsh.engine.nn.conv import *
from gradsh.engine.nn.dropout_embedding import *
from gradsh.engine.nn.layers import *
from gradsh.engine.nn.lazy import *
from gradsh.engine.nn.linear_cross_entropy import *
from gradsh.engine.nn.loss import *
from gradsh.engine.nn.normalization import *
from gradsh.engine.nn.padding import *
from gradsh.engine.nn.pooling import *
from gradsh.engine.nn.rnn import *
from gradsh.engine.nn.shape_distance import *
from gradsh.engine.nn.transformer import *
from gradsh.engine.parameter import Parameter  # noqa: F401

from . import functional, init, modules, parameter, utils  # noqa: F401

__getattr__ = _unsupported.module_getattr("torch.nn")
