"""F.scaled_dot_product_attention as ATen's math kernel (_scaled_dot_product_attention_math) composes it.

q and k are each scaled by sqrt(scale) before their product (PyTorch's choice for stability), the
causal or boolean mask becomes an additive 0/-inf mask, the softmax is _safe_softmax (a row masked
everywhere gives zeros, not NaN), dropout is F.dropout's, and the result is matmul(attn, v).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import creation, dtypes
from ..grad_mode import no_grad, state
from ..graph import Node, edge
from ..registry import op
from ..tensor import Tensor
from ._core import attach, save, unpack
from .elementwise import where
from .random_ops import dropout
from .reduction import softmax


def _safe_softmax(x: Tensor, dim: int) -> Tensor:
    out = softmax(x, dim)
    masked_rows = Tensor._wrap(np.all(x._data == -np.inf, axis=dim, keepdims=True), dtypes.bool_)
    if not masked_rows._data.any():
        return out
    return where(masked_rows, creation.zeros((), dtype=out.dtype), out)


def _additive_mask(mask: Tensor, dtype: Any) -> Tensor:
    if mask.dtype is dtypes.bool_:
        data = np.where(mask._data, 0.0, -np.inf).astype(dtype.np)
        return Tensor._wrap(data, dtype)
    return mask


class ScaledDotProductFlashAttentionForCpuBackward0(Node):
    """PyTorch's fused CPU kernel (4-d inputs, no dropout): one node; its gradients are the math kernel's."""

    __slots__ = ("factor", "key", "mask", "out", "probs", "query", "value")
    saved = ("query", "key", "value")

    def apply(self, grads: list) -> tuple:
        q, k, v = unpack(self.query, self), unpack(self.key, self), unpack(self.value, self)
        g = grads[0]
        dt = q.dtype  # the fused kernel accumulates accurately: work in double, round once
        q, k, v, g = (t.to(dtypes.float64) for t in (q, k, v, g))
        scale = self.factor * self.factor
        scores = q.matmul(k.transpose(-2, -1)) * scale
        if self.mask is not None:
            scores = scores + self.mask.to(dtypes.float64)
        p = _safe_softmax(scores, -1)
        dv = p.transpose(-2, -1).matmul(g)
        dp = g.matmul(v.transpose(-2, -1))
        ds = p * (dp - (dp * p).sum(-1, keepdim=True))
        dq = ds.matmul(k) * scale
        dk = ds.transpose(-2, -1).matmul(q) * scale
        return dq.to(dt), dk.to(dt), dv.to(dt)


def _flash_eligible(query: Tensor, key: Tensor, value: Tensor, dropout_p: float, enable_gqa: bool,
                    has_mask: bool) -> bool:
    """ATen's use_flash_attention_cpp: dense 4-d inputs, no dropout or explicit mask, equal head sizes."""
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4 or dropout_p > 0.0 or enable_gqa or has_mask:
        return False
    if not query.shape[-1] == key.shape[-1] == value.shape[-1]:
        return False
    return query.shape[:2] == key.shape[:2] == value.shape[:2] and 0 not in query.shape and 0 not in key.shape


@op("scaled_dot_product_attention", method=False, namespace="torch.nn.functional")
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, *, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    if query.dtype is not key.dtype or query.dtype is not value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    negative = scale is not None and scale < 0
    base = abs(scale) if scale is not None else 1.0 / math.sqrt(query.shape[-1])
    factor = math.sqrt(base)
    q = query * (-factor if negative else factor)
    mask = attn_mask
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        length, source = query.shape[-2], key.shape[-2]
        mask = Tensor._wrap(np.tril(np.ones((length, source), dtype=bool)), dtypes.bool_)
    k, v = key, value
    if enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3]:
        reps = query.shape[-3] // key.shape[-3]
        k = k.repeat_interleave(reps, -3)
        v = v.repeat_interleave(reps, -3)
    if _flash_eligible(query, key, value, dropout_p, enable_gqa, attn_mask is not None) and not negative:
        additive = None if mask is None else _additive_mask(mask, query.dtype)
        with no_grad():
            q64, k64, v64 = (t.to(dtypes.float64) for t in (query, key, value))
            scores = q64.matmul(k64.transpose(-2, -1)) * (factor * factor)
            if additive is not None:
                scores = scores + additive.to(dtypes.float64)
            out = _safe_softmax(scores, -1).matmul(v64).to(query.dtype)
        if state.recording and (query._rg or key._rg or value._rg):
            node = ScaledDotProductFlashAttentionForCpuBackward0((edge(query), edge(key), edge(value)))
            node.query, node.key, node.value = save(query), save(key), save(value)
            node.factor, node.mask = factor, additive
            attach(out, node)
        return out
    attn = q.matmul(k.transpose(-2, -1) * factor)
    if mask is not None:
        attn = attn + _additive_mask(mask, query.dtype)
    attn = _safe_softmax(attn, -1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    return attn.matmul(v)


__all__ = ["scaled_dot_product_attention"]
