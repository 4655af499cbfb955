"""torch._chunk_cat: split each tensor into num_chunks along dim (zero-padded to a multiple), flatten
each chunk from dim on, join the i-th chunks of all tensors, and stack the chunks at dim.

PyTorch's op_db entry does not differentiate it (FSDP uses it on gradients), so it records no node.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..registry import op
from ..tensor import Tensor, _wrap_dim
from ._core import result


def _chunks(data: np.ndarray, d: int, n: int) -> list[np.ndarray]:
    """The n chunks of one tensor, each flattened from dim d on (the last ones padded with zeros)."""
    size = data.shape[d]
    per = -(-size // n)  # ceil
    if per * n != size:
        pad = [(0, 0)] * data.ndim
        pad[d] = (0, per * n - size)
        data = np.pad(data, pad)
    lead = data.shape[:d]
    return [np.take(data, range(i * per, (i + 1) * per), axis=d).reshape(*lead, -1) for i in range(n)]


@op("_chunk_cat", method=False, out=True)
def chunk_cat(tensors: Any, dim: int, num_chunks: int) -> Tensor:
    ts = list(tensors)
    if not ts:
        raise RuntimeError("_chunk_cat expects a non-empty input tensor list")
    if num_chunks < 1:
        raise RuntimeError("_chunk_cat expects positive num_chunks")
    d = _wrap_dim(dim, max(ts[0]._data.ndim, 1))
    dt = ts[0].dtype
    for t in ts[1:]:
        dt = dtypes.promote_types(dt, t.dtype)
    pieces = [_chunks(t._data.astype(dt.np, copy=False), d, num_chunks) for t in ts]
    joined = [np.concatenate([p[i] for p in pieces], axis=-1) for i in range(num_chunks)]
    return result(np.stack(joined, axis=d), dt)
