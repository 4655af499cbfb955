"""torch.nn.utils.rnn: PackedSequence and the packing and padding functions, as PyTorch composes them.

pack_padded_sequence records aten::_pack_padded_sequence's one node (PackPaddedSequenceBackward0);
pad_packed_sequence and pad_sequence are PyTorch's compositions (a filled tensor, slices copied in:
CopySlices), so graphs and values are PyTorch's.
"""

from __future__ import annotations

import itertools
from collections import namedtuple
from collections.abc import Iterable
from typing import Any, Self

import numpy as np

from .. import creation, dtypes
from ..grad_mode import state
from ..graph import Node, edge
from ..ops._core import attach, result
from ..tensor import Tensor


class PackPaddedSequenceBackward0(Node):
    __slots__ = ("batch_first", "index", "input_shape")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        t, b = self.input_shape[:2]
        rest = tuple(self.input_shape[2:])
        idx = Tensor._wrap(self.index, dtypes.int64)
        grad = creation.zeros((t * b, *rest), dtype=g.dtype).index_add(0, idx, g).reshape(t, b, *rest)
        return (grad.transpose(0, 1) if self.batch_first else grad,)


def _pack_padded_sequence(input: Tensor, lengths: Tensor, batch_first: bool) -> tuple[Tensor, Tensor]:
    x = input._data.swapaxes(0, 1) if batch_first else input._data
    lens = [int(v) for v in lengths._data.reshape(-1)]
    t_max, batch = x.shape[:2]
    if len(lens) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} "
                           f"(batch_size={batch})")
    if any(length <= 0 for length in lens):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    if any(a < b for a, b in itertools.pairwise(lens)):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                           "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep "
                           "this requirement if you do not need ONNX exportability.")
    if lens[0] > t_max:
        raise RuntimeError(f"Expected sequence length to be at most {t_max}, but got {lens[0]}")
    lengths_np = np.asarray(lens)
    batch_sizes = np.array([(lengths_np > t).sum() for t in range(lens[0])], dtype=np.int64)
    steps = [(t, b) for t in range(lens[0]) for b in range(batch_sizes[t])]
    tt = np.array([s[0] for s in steps], dtype=np.int64)
    bb = np.array([s[1] for s in steps], dtype=np.int64)
    data = result(np.ascontiguousarray(x[tt, bb]), input.dtype)
    if state.recording and input._rg:
        node = PackPaddedSequenceBackward0((edge(input),))
        node.index, node.input_shape, node.batch_first = tt * batch + bb, x.shape, batch_first
        attach(data, node)
    return data, Tensor._wrap(batch_sizes, dtypes.int64)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    if permutation is None:
        return None
    output = creation.empty_like(permutation)
    output.scatter_(0, permutation, creation.arange(0, permutation.numel()))
    return output


_PackedSequenceBase = namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedSequenceBase):
    """Holds the data and batch sizes of a packed sequence (and the permutation of an unsorted batch)."""

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> Self:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                                 "created manually. They should be instantiated by functions like pack_sequence and "
                                 "pack_padded_sequences in nn.utils.rnn. "
                                 "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        if not (isinstance(data, (list, tuple)) and len(data) == 2):
            raise AssertionError("Expected data to be a list or tuple of length 2")
        return super().__new__(cls, data[0], data[1], sorted_indices, unsorted_indices)

    def _map(self, fn: Any) -> PackedSequence:
        data = fn(self.data)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self._map(lambda d: d.to(*args, **kwargs))

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self

    def double(self) -> PackedSequence:
        return self.to(dtype=dtypes.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=dtypes.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=dtypes.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=dtypes.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=dtypes.int32)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    if not isinstance(lengths, Tensor):
        lengths = creation.as_tensor(lengths, dtype=dtypes.int64)
    else:
        lengths = lengths.to(dtype=dtypes.int64)
    if enforce_sorted:
        sorted_indices = None
    else:
        lengths, sorted_indices = lengths.sort(descending=True)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    data, batch_sizes = _pack_padded_sequence(input, lengths, batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def _pad_packed_sequence(data: Tensor, batch_sizes: Tensor, batch_first: bool, padding_value: float,
                         total_length: int) -> tuple[Tensor, Tensor]:
    sizes = [int(v) for v in batch_sizes._data]
    max_batch = sizes[0]
    output = creation.full((total_length, max_batch, *data.shape[1:]), padding_value, dtype=data.dtype)
    lengths = np.empty(max_batch, dtype=np.int64)
    fill = max_batch - 1
    offset, prev_batch, prev_i = 0, max_batch, 0
    for i in range(len(sizes) + 1):
        batch = sizes[i] if i != len(sizes) else 0
        if batch != prev_batch:
            count = prev_batch * (i - prev_i)
            tmp = data[offset:offset + count]
            output[prev_i:i, :prev_batch].copy_(tmp.view(i - prev_i, prev_batch, *data.shape[1:]))
            offset += count
            prev_i = i
            for _ in range(prev_batch - batch):
                lengths[fill] = i
                fill -= 1
        prev_batch = batch
    if batch_first:
        output = output.transpose(0, 1)
    return output, Tensor._wrap(lengths, dtypes.int64)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    max_seq_length = sequence.batch_sizes.size(0)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {max_seq_length}")
        max_seq_length = total_length
    padded, lengths = _pad_packed_sequence(sequence.data, sequence.batch_sizes, batch_first, padding_value,
                                           max_seq_length)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        return padded.index_select(0 if batch_first else 1, unsorted), lengths[unsorted]
    return padded, lengths


def pad_sequence(sequences: Any, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    if not isinstance(sequences, Iterable):
        raise RuntimeError(  # noqa: TRY004 - PyTorch raises RuntimeError here
            f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = tuple(sequences)
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    max_len = max(s.size(0) for s in sequences)
    dims = (len(sequences), max_len) if batch_first else (max_len, len(sequences))
    out = creation.full((*dims, *trailing), padding_value, dtype=sequences[0].dtype)
    for i, seq in enumerate(sequences):
        length = seq.size(0)
        start = max_len - length if padding_side == "left" else 0
        if batch_first:
            out.select(0, i).narrow(0, start, length).copy_(seq)
        else:
            out.narrow(0, start, length).select(1, i).copy_(seq)
    return out


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list[Tensor]:
    if not batch_first:  # PyTorch transposes the caller's tensor in place
        padded_sequences.transpose_(0, 1)
    idx = creation.arange(padded_sequences.shape[1])
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths)]


def pack_sequence(sequences: Any, enforce_sorted: bool = True) -> PackedSequence:
    lengths = creation.as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence", "pad_packed_sequence",
           "pad_sequence", "unpack_sequence", "unpad_sequence"]
