"""What every op shares: operand promotion, result wrapping, recording, gradient reduction.

An op reads as micrograd's do: compute the output array, and — only when grad mode records
and an input requires grad — build its node (which holds the backward formula) and attach it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import creation, dtypes
from ..dtypes import bfloat16, round_bfloat16
from ..grad_mode import state
from ..graph import Node, SavedTensor, edge, pending_output_packs
from ..hooks import any_registered as hooks_registered
from ..tensor import Tensor
from .sum_orders import exact_sum_leading, exact_sum_trailing

wrap = Tensor._wrap
_ndarray = np.ndarray
_asarray = np.asarray
_SCALARS = (int, float, bool, complex)
_INT_CATEGORY = dtypes.scalar_category(1)
_FLOAT_CATEGORY = dtypes.scalar_category(1.0)
_NUMPY_SUM_DTYPES = frozenset((dtypes.float32, dtypes.float64))


def result(data: Any, dtype: dtypes.dtype) -> Tensor:
    """Wrap an op's output (numpy may hand back a scalar for 0-d inputs)."""
    if type(data) is not _ndarray:
        data = _asarray(data)
    if data.dtype is not dtype.np and data.dtype != dtype.np:
        data = data.astype(dtype.np)
    if dtype is bfloat16:
        data = round_bfloat16(data)
    return wrap(data, dtype)


def to_tensor(value: Any, like: Tensor | None = None) -> Tensor:
    """A Python number, numpy value or nested list as a tensor operand."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, _SCALARS):
        dt = dtypes.dtype_for_scalar_category(dtypes.scalar_category(value))
        return wrap(np.array(value, dtype=dt.np), dt)
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        return wrap(arr, dtypes.from_numpy_dtype(arr.dtype))
    return creation.tensor(value)


def promote2(a: Tensor, b: Any) -> tuple:
    """(array a, array-or-scalar b, result dtype) under PyTorch's promotion; b may be a Python number."""
    da = a.dtype
    if isinstance(b, Tensor):
        db = b.dtype
        if da is db:
            return a._data, b._data, da
        ad, bd = a._data.ndim, b._data.ndim
        if ad and bd or not ad and not bd:
            dt = dtypes.promote_types(da, db)
        elif ad:
            dt = dtypes.result_type([da], [db], [])
        else:
            dt = dtypes.result_type([db], [da], [])
        npd = dt.np
        return a._data.astype(npd, copy=False), b._data.astype(npd, copy=False), dt
    tb = type(b)
    if tb is float or tb is int:  # the common Python numbers, without the checks below
        cat = _FLOAT_CATEGORY if tb is float else _INT_CATEGORY
        if cat <= da.category:
            return a._data, _scalar_array(b, da.np), da
        dt = dtypes.result_type([da], [], [cat])
        return a._data.astype(dt.np), b, dt
    if isinstance(b, np.generic):  # a numpy scalar counts as the Python number it holds
        b = b.item()
    if isinstance(b, _SCALARS):
        cat = dtypes.scalar_category(b)
        if cat <= da.category:
            return a._data, _scalar_array(b, da.np), da
        dt = dtypes.result_type([da], [], [cat])
        return a._data.astype(dt.np), b, dt
    raise TypeError(f"unsupported operand type: {type(b).__name__}")


# numpy 2 takes ~1 us to resolve a Python float operand against an array (NEP 50), three times the
# op itself on small tensors; a 0-d array of the tensor's own dtype gives the same result at once.
_scalar_arrays: dict = {}


def _scalar_array(value: Any, np_dtype: np.dtype) -> Any:
    key = (value, np_dtype)
    arr = _scalar_arrays.get(key)
    if arr is None:
        if not value or value != value:  # noqa: PLR0124 - nan is the one value unequal to itself
            return value  # 0.0 == -0.0 and nan != nan would confuse the cache: numpy converts these
        try:
            arr = np.array(value, dtype=np_dtype)
        except (OverflowError, ValueError):
            return value
        arr.flags.writeable = False
        if len(_scalar_arrays) > 1024:
            _scalar_arrays.clear()
        _scalar_arrays[key] = arr
    return arr


def attach(out: Tensor, node: Node, output_nr: int = 0) -> Tensor:
    out._grad_fn = node
    out._rg = True
    out._output_nr = output_nr
    if pending_output_packs:
        flush_output_packs(out)
    return out


def flush_output_packs(out: Tensor) -> None:
    from ..autograd_graph import flush_output_packs as flush  # cycle: autograd_graph imports tensor via ops

    flush(out)


def save(t: Any) -> Any:
    """Keep an input for backward; Python numbers are kept as they are."""
    if isinstance(t, Tensor):
        if t._inference:
            raise RuntimeError(INFERENCE_SAVE_MESSAGE)
        return SavedTensor(t)
    return t


def save_output(t: Tensor) -> SavedTensor:
    """Keep an op's own output; it is saved before the node is attached, but will require grad."""
    saved = SavedTensor(t, is_output=True)
    saved.rg = True
    return saved


def unpack(saved: Any, node: Node) -> Any:
    if type(saved) is SavedTensor:
        return saved.unpack(node)
    return saved


INFERENCE_SAVE_MESSAGE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
    "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use "
    "it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`."
)


def plain_backward(g: Tensor) -> bool:
    """Whether a backward formula may work on g's numpy array directly: nothing records (no create_graph),
    float32/float64 (where a Tensor op is that same numpy operation) and no hook that could see a view."""
    return not state.grad_enabled and g.dtype in _NUMPY_SUM_DTYPES and not hooks_registered[0]


def expand_to(g: Tensor, shape: tuple, divisor: int = 1) -> Tensor:
    """sum's and mean's gradient: `(g / divisor).expand(shape)`, in numpy in a plain backward."""
    if plain_backward(g):
        data = g._data if divisor == 1 else g._data / _scalar_array(divisor, g._data.dtype)
        return wrap(np.broadcast_to(data, shape), g.dtype)
    return (g if divisor == 1 else g / divisor).expand(shape)


def sum_to(g: Tensor, shape: tuple) -> Tensor:
    """Reduce a broadcast gradient back to an input's shape (only when the shapes differ)."""
    gshape = g._data.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and gshape[lead + i] != 1:
            dims.append(lead + i)
    if plain_backward(g):
        # a plain backward (nothing records, no hook can see the gradient): the same sum as Tensor.sum's
        # (PyTorch's order over leading dims, as a bias's gradient has them, else numpy's), without the
        # Tensor ops and the reshape's view between them
        data = g._data
        if dims:
            exact = exact_sum_leading(data, tuple(dims))
            if exact is None:
                exact = exact_sum_trailing(data, tuple(dims))  # a (n, 1) input broadcast along its last dim
            data = exact if exact is not None else data.sum(axis=tuple(dims), keepdims=True, dtype=data.dtype)
        return wrap(data.reshape(shape), g.dtype)
    if dims:
        g = g.sum(dim=tuple(dims), keepdim=True)
    if lead or g._data.shape != shape:
        g = g.reshape(shape)
    return g


__all__ = [
    "Node", "SavedTensor", "Tensor", "attach", "edge", "flush_output_packs", "promote2", "result",
    "save", "save_output", "state", "sum_to", "to_tensor", "unpack", "wrap",
]
