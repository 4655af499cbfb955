"""F.embedding (EmbeddingBackward0), F.one_hot and the feature/alpha dropouts of torch.nn.functional.

embedding's backward adds each output row's gradient into the weight row it came from (index_add,
so it differentiates again), skipping padding_idx and dividing by each index's count under
scale_grad_by_freq. max_norm renormalises the looked-up rows of the weight in place first, as
PyTorch's embedding_renorm_ does. The dropouts draw their noise with the generator kernels that
F.dropout uses (bit for bit PyTorch's), of shape (N, C, 1, ...) for the feature forms.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import creation, dtypes
from .. import random as _rk
from ..grad_mode import no_grad, state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, result, save, unpack


class EmbeddingBackward0(Node):
    __slots__ = ("indices", "num_weights", "padding_idx", "scale_grad_by_freq")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        dim = g.shape[-1]
        idx = self.indices.reshape(-1)
        rows = g.reshape(-1, dim)
        keep = idx != self.padding_idx
        scale = keep.astype(np.float64)
        if self.scale_grad_by_freq:
            counts = np.bincount(idx, minlength=self.num_weights)
            scale = scale / counts[idx]
        if not scale.all() or self.scale_grad_by_freq:
            rows = rows * Tensor._wrap(scale.astype(g.dtype.np).reshape(-1, 1), g.dtype)
        zeros = creation.zeros((self.num_weights, dim), dtype=g.dtype)
        return (zeros.index_add(0, Tensor._wrap(idx, dtypes.int64), rows),)


def _renorm_(weight: Tensor, indices: np.ndarray, max_norm: float, norm_type: float) -> None:
    rows = np.unique(indices.reshape(-1))
    data = weight._data
    norms = np.linalg.norm(data[rows].astype(np.float64), ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        scale = max_norm / (norms[over] + 1e-7)
        new = weight.detach().clone()
        new._data[rows[over]] = (data[rows[over]] * scale[:, None]).astype(data.dtype)
        with no_grad():
            weight.copy_(new)


@op("embedding", method=False, namespace="torch.nn.functional")
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    n = weight._data.shape[0]
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= n or padding_idx < 0 and padding_idx < -n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx = n + padding_idx
    else:
        padding_idx = -1
    if input.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{input.dtype.legacy_type.replace('Tensor', '')}Tensor instead "
                           "(while checking arguments for embedding)")
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    idx = np.asarray(input._data, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    out = result(weight._data[idx], weight.dtype)
    if state.recording and weight._rg:
        node = EmbeddingBackward0((edge(weight),))
        node.indices, node.num_weights = idx, n
        node.padding_idx, node.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        attach(out, node)
    return out


@op("one_hot", method=False, namespace="torch.nn.functional")
def one_hot(input: Tensor, num_classes: int = -1) -> Tensor:
    if input.dtype is not dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    x = input._data
    if num_classes == -1:
        if x.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(x.max()) + 1
    if x.size and x.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if x.size and x.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (x[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._wrap(out, dtypes.int64)


# ----- dropout variants ------------------------------------------------------------------------------------

def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_noise_shape(input: Tensor) -> tuple:
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return (shape[0], shape[1]) + (1,) * (len(shape) - 2)


def _dropout_impl(input: Tensor, p: float, training: bool, feature: bool, alpha: bool, inplace: bool) -> Tensor:
    """ATen's _dropout_impl: the noise is bernoulli_(1 - p) (per channel for the feature forms)."""
    _check_p(p)
    if p == 0 or not training or input._data.size == 0:
        return input
    if p == 1:
        return input.mul_(0) if inplace else input * creation.zeros((), dtype=input.dtype)
    shape = _feature_noise_shape(input) if feature else input._data.shape
    dt = input.dtype
    if not alpha:
        noise = Tensor._wrap(_rk.dropout_noise(None, shape, dt, p), dt)
        return input.mul_(noise) if inplace else input * noise
    keep = _rk.bernoulli(None, shape, dtypes.float64, 1 - p).astype(dt.np)
    alpha_ = 1.7580993408473766
    a = 1.0 / math.sqrt((alpha_ * alpha_ * p + 1) * (1 - p))
    cast = dt.np.type
    b = (keep + cast(-1)) * cast(alpha_ * a) + cast(alpha_ * a * p)
    noise = Tensor._wrap((keep * cast(a)).astype(dt.np), dt)
    b_t = Tensor._wrap(b.astype(dt.np), dt)
    if inplace:
        return input.mul_(noise).add_(b_t)
    return (input * noise).add_(b_t)


@op("feature_dropout", method=False)
def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout_impl(input, p, train, True, False, False)


@op("alpha_dropout", method=False, namespace="torch.nn.functional")
def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    return _dropout_impl(input, p, training, False, True, inplace)


@op("feature_alpha_dropout", method=False, namespace="torch.nn.functional")
def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    return _dropout_impl(input, p, training, True, True, inplace)


@op("dropout1d", method=False, namespace="torch.nn.functional")
def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    _check_p(p)
    nd = input.dim()
    if nd not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    batched = nd == 3
    x = input if batched else (input.unsqueeze_(0) if inplace else input.unsqueeze(0))
    out = _dropout_impl(x, p, training, True, False, inplace)
    if not batched:
        out = out.squeeze_(0) if inplace else out.squeeze(0)
    return out


@op("dropout2d", method=False, namespace="torch.nn.functional")
def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        warnings.warn(f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=3)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=3)
    return _dropout_impl(input, p, training, True, False, inplace)


@op("dropout3d", method=False, namespace="torch.nn.functional")
def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    _check_p(p)
    nd = input.dim()
    if nd not in (4, 5):
        warnings.warn(f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=3)
    batched = nd == 5
    x = input if batched else (input.unsqueeze_(0) if inplace else input.unsqueeze(0))
    out = _dropout_impl(x, p, training, True, False, inplace)
    if not batched:
        out = out.squeeze_(0) if inplace else out.squeeze(0)
    return out


__all__ = ["alpha_dropout", "dropout1d", "dropout2d", "dropout3d", "embedding", "feature_alpha_dropout",
           "feature_dropout", "one_hot"]



# ----- embedding_bag ----------------------------------------------------------------------------------------

class EmbeddingBagBackward0(Node):
    """Each looked-up row receives its bag's gradient times its coefficient (its per-sample weight, 1/count for
    'mean', 1 at the arg-max for 'max'); a per-sample weight receives the dot of its bag's gradient and row."""

    __slots__ = ("bag", "coef", "entry", "idx", "num_weights", "psw", "psw_shape", "weight")
    saved = ("weight", "psw")

    def apply(self, grads: list) -> tuple:
        g = grads[0]
        (fw, _), (fp, _) = self.next_functions
        rows = g.index_select(0, Tensor._wrap(self.bag, dtypes.int64))
        idx = Tensor._wrap(self.idx, dtypes.int64)
        coef = Tensor._wrap(self.coef.astype(g.dtype.np), g.dtype)
        entry = Tensor._wrap(self.entry, dtypes.int64)
        psw = unpack(self.psw, self) if self.psw is not None else None
        gw = gp = None
        if fw is not None:
            scaled = rows * coef
            if psw is not None:
                scaled = scaled * psw.reshape(-1).index_select(0, entry).reshape(-1, 1)
            gw = creation.zeros((self.num_weights, g.shape[1]), dtype=g.dtype).index_add(0, idx, scaled)
        if fp is not None:
            dots = (rows * unpack(self.weight, self).index_select(0, idx)).sum(1)
            n = int(np.prod(self.psw_shape))
            gp = creation.zeros(n, dtype=g.dtype).index_add(0, entry, dots).reshape(self.psw_shape)
        return gw, gp


def _bags(idx: np.ndarray, offsets: np.ndarray | None, include_last_offset: bool) -> tuple[np.ndarray, int]:
    """The bag of each index entry and the number of bags."""
    if idx.ndim == 2:
        return np.repeat(np.arange(idx.shape[0]), idx.shape[1]), idx.shape[0]
    starts = offsets[:-1] if include_last_offset else offsets
    n_bags = len(starts)
    bag = np.searchsorted(starts, np.arange(idx.size), side="right") - 1
    if include_last_offset:
        bag = np.where(np.arange(idx.size) >= offsets[-1], -1, bag)
    return bag, n_bags


@op("embedding_bag", method=False, namespace="torch.nn.functional")
def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    idx = np.asarray(input._data, dtype=np.int64)
    if idx.ndim == 2 and offsets is not None:
        raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed "
                         "length sequences.")
    if idx.ndim == 1 and offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    n = weight._data.shape[0]
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    off = None if offsets is None else np.asarray(offsets._data, dtype=np.int64)
    bag, n_bags = _bags(idx, off, include_last_offset)
    flat = idx.reshape(-1)
    keep = (bag >= 0) & (flat != (padding_idx if padding_idx is not None else -1))
    entry = np.nonzero(keep)[0]
    bag, flat = bag[keep], flat[keep]
    w = weight._data.astype(np.float64)
    rows = w[flat]
    coef = np.ones(len(flat))
    if per_sample_weights is not None:
        rows = rows * per_sample_weights._data.reshape(-1)[entry, None]
    out = np.zeros((n_bags, w.shape[1]))
    if mode == "max":  # each column of a bag takes its first maximal row; empty bags stay zero
        out[:] = -np.inf
        np.maximum.at(out, bag, rows)
        out[np.isinf(out)] = 0
        coef = np.zeros_like(rows)
        for b in range(n_bags):
            members = np.nonzero(bag == b)[0]
            if len(members):
                coef[members[np.argmax(rows[members], axis=0)], np.arange(w.shape[1])] = 1
    if mode != "max":
        np.add.at(out, bag, rows)
    if mode == "mean":
        counts = np.bincount(bag, minlength=n_bags)
        out = out / np.maximum(counts, 1)[:, None]
        coef = 1.0 / counts[bag]
    coef = coef.reshape(len(flat), -1)
    res = result(out, weight.dtype)
    psw_rg = per_sample_weights is not None and per_sample_weights._rg
    if state.recording and (weight._rg or psw_rg):
        node = EmbeddingBagBackward0((edge(weight), edge(per_sample_weights) if psw_rg else (None, 0)))
        node.weight, node.psw = save(weight), save(per_sample_weights) if per_sample_weights is not None else None
        node.bag, node.idx, node.coef, node.entry, node.num_weights = bag, flat, coef, entry, n
        node.psw_shape = per_sample_weights._data.shape if per_sample_weights is not None else None
        attach(res, node)
    return res
