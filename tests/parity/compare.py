"""Whether a backend result matches PyTorch's: structure, shape, dtype, values, requires_grad, grad_fn.

Values compare at torch.testing.assert_close's default tolerances for the tensor's dtype (NaN equal to
NaN; integers and bools exactly). Every function returns None on a match, else one line saying where and
how the two differ.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

# torch.testing.assert_close's default (rtol, atol); dtypes not listed compare exactly.
TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex32": (1e-3, 1e-5),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}
Tolerance = tuple[float, float] | None


def dtype_name(dt: Any) -> str:
    """`float32` for torch.float32 and for the backend's float32."""
    return str(dt).rsplit(".", 1)[-1]


def tolerance(dt: Any) -> Tolerance:
    return TOLERANCES.get(dtype_name(dt))


def to_numpy(t: Any) -> np.ndarray:
    """A torch or backend tensor's values; dtypes numpy lacks are widened (bfloat16 to float32)."""
    t = t.detach()
    if isinstance(t, torch.Tensor):
        if t._is_zerotensor():  # autograd's efficient zeros have no storage to read
            t = torch.zeros(tuple(t.shape), dtype=t.dtype)
        if t.layout != torch.strided:
            t = t.to_dense()
    if dtype_name(t.dtype) == "bfloat16":
        t = t.float()
    elif dtype_name(t.dtype) == "complex32":
        t = t.to(torch.complex64)
    for name in ("resolve_conj", "resolve_neg"):
        resolve = getattr(t, name, None)
        if resolve is not None:
            t = resolve()
    return np.asarray(t.numpy())


def values_differ(ref: np.ndarray, got: np.ndarray, tol: Tolerance) -> str | None:
    """None when backend values `got` match torch values `ref`."""
    if ref.dtype.kind not in "fc":
        bad = ref != got
    elif tol is None:
        bad = ~((ref == got) | (np.isnan(ref) & np.isnan(got)))
    else:
        bad = ~np.isclose(got, ref, rtol=tol[0], atol=tol[1], equal_nan=True)
    if not np.any(bad):
        return None
    wide = np.complex128 if ref.dtype.kind == "c" else np.float64
    diff = np.abs(np.asarray(got).astype(wide) - ref)[bad]
    return f"values differ at {int(np.sum(bad))}/{ref.size} (max abs diff {np.nanmax(diff, initial=0):.3g})"


def grad_fn_names(t: Any) -> set[str]:
    """The backend node's class name and its name() without a C++ namespace ({"None"} without a node)."""
    node = getattr(t, "grad_fn", None)
    if node is None:
        return {"None"}
    name = getattr(node, "name", None)
    return {type(node).__name__} | ({name().rsplit("::", 1)[-1]} if callable(name) else set())


def compare(
    ref: Any, got: Any, path: str, B: Any, number_tol: Tolerance, meta: bool = True, values: bool = True
) -> str | None:
    """None when backend value `got` matches torch value `ref`.

    Tensors compare at their dtype's tolerance, Python numbers at `number_tol`. `meta` adds requires_grad
    and the grad_fn name (when PyTorch has one); `values=False` leaves out values (uninitialised memory).
    """
    if isinstance(ref, torch.Tensor):
        return _compare_tensor(ref, got, path, B, meta, values)
    if isinstance(ref, dict):
        if not isinstance(got, dict):
            return f"{path}: dict (torch) vs {type(got).__name__}"
        if set(ref) != set(got):
            return f"{path}: keys {sorted(map(str, ref))} (torch) vs {sorted(map(str, got))}"
        return _first(compare(ref[k], got[k], f"{path}[{k!r}]", B, number_tol, meta, values) for k in ref)
    if isinstance(ref, (tuple, list)):
        kind = tuple if isinstance(ref, tuple) else list
        if not isinstance(got, kind):
            return f"{path}: {kind.__name__} (torch) vs {type(got).__name__}"
        if len(ref) != len(got):
            return f"{path}: length {len(ref)} (torch) vs {len(got)}"
        return _first(
            compare(a, b, f"{path}[{i}]", B, number_tol, meta, values) for i, (a, b) in enumerate(zip(ref, got))
        )
    if isinstance(ref, (bool, int, float, complex)):
        if type(got) is not type(ref):
            return f"{path}: {type(ref).__name__} (torch) vs {type(got).__name__}"
        exact = not isinstance(ref, (float, complex))
        why = values_differ(np.asarray(ref), np.asarray(got), None if exact else number_tol)
        return f"{path}: {ref!r} (torch) vs {got!r}" if why and values else None
    if isinstance(ref, (torch.dtype, torch.device)):
        return None if str(ref) == str(got) else f"{path}: {ref} (torch) vs {got!r}"
    if ref is None or isinstance(ref, str):
        return None if type(got) is type(ref) and got == ref else f"{path}: {ref!r} (torch) vs {got!r}"
    same_kind = type(ref).__name__ == type(got).__name__
    return None if same_kind else f"{path}: {type(ref).__name__} (torch) vs {type(got).__name__}"


def _compare_tensor(ref: torch.Tensor, got: Any, path: str, B: Any, meta: bool, values: bool) -> str | None:
    if not isinstance(got, B.Tensor):
        return f"{path}: Tensor (torch) vs {type(got).__name__}"
    if tuple(ref.shape) != tuple(got.shape):
        return f"{path}: shape {tuple(ref.shape)} (torch) vs {tuple(got.shape)}"
    if str(ref.dtype) != str(got.dtype):
        return f"{path}: dtype {dtype_name(ref.dtype)} (torch) vs {dtype_name(got.dtype)}"
    if values:
        why = values_differ(to_numpy(ref), to_numpy(got), tolerance(ref.dtype))
        if why:
            return f"{path}: {why}"
    if meta and ref.requires_grad != bool(got.requires_grad):
        return f"{path}: requires_grad {ref.requires_grad} (torch) vs {got.requires_grad}"
    if meta and ref.grad_fn is not None and type(ref.grad_fn).__name__ not in grad_fn_names(got):
        return f"{path}: grad_fn {type(ref.grad_fn).__name__} (torch) vs {min(grad_fn_names(got))}"
    return None


def _first(reasons: Any) -> str | None:
    return next((r for r in reasons if r), None)
