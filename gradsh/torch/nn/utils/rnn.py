"""torch.nn.utils.rnn: PackedSequence, packing and padding of variable-length sequences."""

from gradsh.engine import unsupported as _unsupported
from gradsh.engine.nn.rnn_utils import (  # noqa: F401
    PackedSequence,
    invert_permutation,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

__getattr__ = _unsupported.module_getattr("torch.nn.utils.rnn")
