"""Recurrent cells and layer stacks (RNN tanh/relu, LSTM with projections, GRU) as ATen's RNN.cpp composes them.

Each step is made of Tensor ops in ATen's order (the input projection of the whole sequence is
computed once, then per step `linear(h, w_hh, b_hh) + projected input`, the gates chunked and
squashed), so the graph and its nodes are PyTorch's: a layer's outputs are stacked (StackBackward0),
the directions concatenated (CatBackward0), the final hidden states stacked; dropout between layers
is F.dropout's. A float32 LSTM without projections is one MkldnnRnnLayerBackward0 node per layer and
direction, as PyTorch's oneDNN path records it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import dtypes
from ..grad_mode import state
from ..graph import Node, edge
from ..tensor import Tensor
from ._core import attach, result
from .joining import cat, stack
from .nn_functional import linear
from .random_ops import dropout
from .recomputed_node import recomputed


class TransposeBackward1(Node):
    """PyTorch's node for an in-place transpose_, which its GRU and RNN apply to a batch_first output."""

    __slots__ = ("dim0", "dim1")

    def apply(self, grads: list) -> tuple:
        return (grads[0].transpose(self.dim0, self.dim1),)


def transposed_in_place(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """x.transpose_(dim0, dim1) on a temporary nobody else holds: a fresh tensor with that node."""
    out = result(np.ascontiguousarray(np.swapaxes(x._data, dim0, dim1)), x.dtype)
    if state.recording and x._rg:
        node = TransposeBackward1((edge(x),))
        node.dim0, node.dim1 = dim0, dim1
        attach(out, node)
    return out


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    return (linear(hx, w_hh, b_hh) + linear(input, w_ih, b_ih)).tanh()


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    return (linear(hx, w_hh, b_hh) + linear(input, w_ih, b_ih)).relu()


def _lstm_step(projected: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None,
               w_hr: Tensor | None) -> tuple[Tensor, Tensor]:
    gates = linear(h, w_hh, b_hh) + projected
    i, f, g, o = gates.chunk(4, 1)
    cy = f.sigmoid() * c + i.sigmoid() * g.tanh()
    hy = o.sigmoid() * cy.tanh()
    if w_hr is not None:
        hy = linear(hy, w_hr)
    return hy, cy


def lstm_cell(input: Tensor, hx: Sequence[Tensor], w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    return _lstm_step(linear(input, w_ih, b_ih), hx[0], hx[1], w_hh, b_hh, None)


def _gru_step(projected: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    i_r, i_z, i_n = projected.chunk(3, 1)
    h_r, h_z, h_n = linear(h, w_hh, b_hh).chunk(3, 1)
    reset = (h_r + i_r).sigmoid()
    update = (h_z + i_z).sigmoid()
    new = (i_n + h_n * reset).tanh()
    return (h - new) * update + new


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    return _gru_step(linear(input, w_ih, b_ih), hx, w_hh, b_hh)


def _layer(mode: str, x: Tensor, h0: Tensor, c0: Tensor | None, params: list, reverse: bool) -> tuple:
    """One direction of one layer over a (T, B, in) sequence: (stacked outputs, last h, last c).

    PyTorch runs a float32 LSTM without projections through oneDNN: one MkldnnRnnLayerBackward0 node per
    layer and direction, whose outputs are the sequence, h and c; its gradients are this composition's.
    """
    w_ih, w_hh, b_ih, b_hh, w_hr = params
    if mode == "LSTM" and w_hr is None and x.dtype is dtypes.float32:
        def compose(x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None, h0: Tensor,
                    c0: Tensor) -> tuple:
            return _layer_steps(mode, x, h0, c0, [w_ih, w_hh, b_ih, b_hh, None], reverse)

        return recomputed("MkldnnRnnLayerBackward0", compose, (x, w_ih, w_hh, b_ih, b_hh, h0, c0))
    return _layer_steps(mode, x, h0, c0, params, reverse)


def _layer_steps(mode: str, x: Tensor, h0: Tensor, c0: Tensor | None, params: list, reverse: bool) -> tuple:
    w_ih, w_hh, b_ih, b_hh, w_hr = params
    steps = linear(x, w_ih, b_ih).unbind(0)
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    h, c = h0, c0
    outs: list[Tensor] = [None] * len(steps)  # type: ignore[list-item]
    for t in order:
        if mode == "LSTM":
            h, c = _lstm_step(steps[t], h, c, w_hh, b_hh, w_hr)
        elif mode == "GRU":
            h = _gru_step(steps[t], h, w_hh, b_hh)
        else:
            pre = linear(h, w_hh, b_hh) + steps[t]
            h = pre.tanh() if mode == "RNN_TANH" else pre.relu()
        outs[t] = h
    return stack(outs, 0), h, c


def rnn_stack(mode: str, input: Tensor, h0: Tensor, c0: Tensor | None, params: list[list], num_layers: int,
              dropout_p: float, train: bool, bidirectional: bool) -> tuple:
    """ATen's apply_layer_stack over (T, B, in): (output, stacked final h, stacked final c or None)."""
    dirs = 2 if bidirectional else 1
    layer_input = input
    last_h: list[Tensor] = []
    last_c: list[Tensor] = []
    for layer in range(num_layers):
        outputs = []
        for d in range(dirs):
            k = layer * dirs + d
            out, h, c = _layer(mode, layer_input, h0[k], c0[k] if c0 is not None else None, params[k], d == 1)
            outputs.append(out)
            last_h.append(h)
            if c is not None:
                last_c.append(c)
        layer_input = outputs[0] if dirs == 1 else cat(outputs, -1)
        if dropout_p != 0 and train and layer < num_layers - 1:
            layer_input = dropout(layer_input, dropout_p, True)
    return layer_input, stack(last_h, 0), stack(last_c, 0) if last_c else None


# ----- packed sequences (ATen's PackedLayer / ReversedPackedLayer) ---------------------------------------------

def _cell(mode: str, projected: Tensor, h: Tensor, c: Tensor | None, params: list) -> tuple:
    _, w_hh, _, b_hh, w_hr = params
    if mode == "LSTM":
        return _lstm_step(projected, h, c, w_hh, b_hh, w_hr)
    if mode == "GRU":
        return _gru_step(projected, h, w_hh, b_hh), None
    pre = linear(h, w_hh, b_hh) + projected
    return (pre.tanh() if mode == "RNN_TANH" else pre.relu()), None


def _cat_hidden(parts: list) -> tuple:
    h = cat([p[0] for p in parts], 0)
    return h, (cat([p[1] for p in parts], 0) if parts[0][1] is not None else None)


def _packed_layer(mode: str, data: Tensor, sizes: list[int], h0: Tensor, c0: Tensor | None, params: list) -> tuple:
    """Forward direction: the hidden state shrinks as sequences end; the finished rows are kept aside."""
    projected = linear(data, params[0], params[2])
    outputs, finished = [], []
    h, c = h0, c0
    offset, last = 0, sizes[0]
    for size in sizes:
        step = projected.narrow(0, offset, size)
        offset += size
        if last > size:
            finished.append((h.narrow(0, size, last - size), c.narrow(0, size, last - size) if c is not None else None))
            h = h.narrow(0, 0, size)
            c = c.narrow(0, 0, size) if c is not None else None
        last = size
        h, c = _cell(mode, step, h, c, params)
        outputs.append(h)
    finished.append((h, c))
    finished.reverse()
    h_n, c_n = _cat_hidden(finished)
    return cat(outputs, 0), h_n, c_n


def _reversed_packed_layer(mode: str, data: Tensor, sizes: list[int], h0: Tensor, c0: Tensor | None,
                           params: list) -> tuple:
    """Reverse direction: starts with the shortest batch and grows the hidden state with the initial rows."""
    projected = linear(data, params[0], params[2])
    outputs = []
    last = sizes[-1]
    h = h0.narrow(0, 0, last)
    c = c0.narrow(0, 0, last) if c0 is not None else None
    offset = data.shape[0]
    for size in reversed(sizes):
        if size > last:
            h = cat([h, h0.narrow(0, last, size - last)], 0)
            c = cat([c, c0.narrow(0, last, size - last)], 0) if c is not None else None
        step = projected.narrow(0, offset - size, size)
        offset -= size
        last = size
        h, c = _cell(mode, step, h, c, params)
        outputs.append(h)
    outputs.reverse()
    return cat(outputs, 0), h, c


def rnn_packed_stack(mode: str, data: Tensor, batch_sizes: list[int], h0: Tensor, c0: Tensor | None,
                     params: list[list], num_layers: int, dropout_p: float, train: bool, bidirectional: bool) -> tuple:
    """apply_layer_stack over a packed sequence's data: (output data, stacked final h, final c or None)."""
    dirs = 2 if bidirectional else 1
    layer_input = data
    last_h: list[Tensor] = []
    last_c: list[Tensor] = []
    for layer in range(num_layers):
        outputs = []
        for d in range(dirs):
            k = layer * dirs + d
            run = _reversed_packed_layer if d == 1 else _packed_layer
            out, h, c = run(mode, layer_input, batch_sizes, h0[k], c0[k] if c0 is not None else None, params[k])
            outputs.append(out)
            last_h.append(h)
            if c is not None:
                last_c.append(c)
        layer_input = outputs[0] if dirs == 1 else cat(outputs, -1)
        if dropout_p != 0 and train and layer < num_layers - 1:
            layer_input = dropout(layer_input, dropout_p, True)
    return layer_input, stack(last_h, 0), stack(last_c, 0) if last_c else None


__all__ = ["gru_cell", "lstm_cell", "rnn_packed_stack", "rnn_relu_cell", "rnn_stack", "rnn_tanh_cell"]
