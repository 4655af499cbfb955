"""torch.testing.assert_close: PyTorch's comparison, its default tolerances and its messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gradsh.engine import creation, dtypes
from gradsh.engine.tensor import Tensor

from . import _unsupported

# (rtol, atol) by dtype, as torch.testing's defaults; integers and bools compare exactly
_TOLERANCES = {
    "float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7),
}


def _tolerances(dt: dtypes.dtype, rtol: float | None, atol: float | None) -> tuple:
    if (rtol is None) != (atol is None):
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {'rtol' if rtol is None else 'atol'}.")
    if rtol is not None:
        return rtol, atol
    return _TOLERANCES.get(str(dt).rsplit(".", 1)[-1], (0.0, 0.0))


def _where(i: int, shape: tuple) -> tuple:
    return tuple(int(v) for v in np.unravel_index(i, shape)) if shape else ()


def _tensor_message(actual: np.ndarray, expected: np.ndarray, bad: np.ndarray, rtol: float, atol: float,
                    kind: str) -> str:
    exact = rtol == 0 and atol == 0
    lines = [f"Tensor-likes are not {'equal' if exact else 'close'}!", "",
             f"Mismatched elements: {int(bad.sum())} / {bad.size} ({bad.sum() / bad.size:.1%})"]
    with np.errstate(all="ignore"):
        if kind == "b":
            a, e = actual.astype(np.int64), expected.astype(np.int64)
        else:
            a, e = actual, expected
        diff = np.abs(a - e)
        # relative difference in floating point: ints divide as PyTorch's true division does (float32)
        rel = diff / np.abs(e) if diff.dtype.kind in "fc" else diff.astype(np.float32) / np.abs(e).astype(np.float32)
    for name, values, tol in (("absolute", diff, atol), ("relative", rel, rtol)):
        flat = values.reshape(-1)
        i = int(np.argmax(np.where(np.isnan(flat), np.inf, flat))) if flat.size else 0
        best = flat[i].item()
        line = f"Greatest {name} difference: {best} at index {_where(i, values.shape)}"
        lines.append(line if exact else f"{line} (up to {tol} allowed)")
    return "\n".join(lines)


def _compare_tensors(actual: Tensor, expected: Tensor, rtol: Any, atol: Any, equal_nan: bool,
                     check_dtype: bool) -> str | None:
    if tuple(actual.shape) != tuple(expected.shape):
        return f"The values for attribute 'shape' do not match: {actual.shape} != {expected.shape}."
    if check_dtype and actual.dtype is not expected.dtype:
        return f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}."
    common = dtypes.promote_types(actual.dtype, expected.dtype)
    rt, at = _tolerances(common, rtol, atol)
    a = actual._data.astype(common.np, copy=False)
    e = expected._data.astype(common.np, copy=False)
    if a.dtype.kind in "fc":
        with np.errstate(all="ignore"):
            close = np.abs(a - e) <= at + rt * np.abs(e)
        close |= a == e
        if equal_nan:
            close |= np.isnan(a) & np.isnan(e)
    else:
        close = a == e
    if close.all():
        return None
    return _tensor_message(a, e, ~close, rt, at, a.dtype.kind)


def _compare_scalars(actual: Any, expected: Any, rtol: Any, atol: Any, equal_nan: bool) -> str | None:
    exact = isinstance(actual, (int, bool)) and isinstance(expected, (int, bool))
    rt, at = (0.0, 0.0) if exact and rtol is None else _tolerances(dtypes.float64, rtol, atol)
    if actual == expected or (equal_nan and actual != actual and expected != expected):  # noqa: PLR0124
        return None
    diff = abs(actual - expected)
    if not exact and diff <= at + rt * abs(expected):
        return None
    rel = diff / abs(expected) if expected else float("inf")
    word = "equal" if rt == 0 and at == 0 else "close"
    lines = [f"Scalars are not {word}!", "", f"Expected {expected} but got {actual}."]
    if word == "equal":
        lines += [f"Absolute difference: {diff}", f"Relative difference: {rel}"]
    else:
        lines += [f"Absolute difference: {diff} (up to {at} allowed)", f"Relative difference: {rel} (up to {rt} allowed)"]
    return "\n".join(lines)


def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, (Tensor, np.ndarray))


def _compare(actual: Any, expected: Any, path: str, opts: dict) -> tuple | None:
    """None when equal, else (message, path)."""
    if _is_tensor_like(actual) and _is_tensor_like(expected) and type(actual) is type(expected):
        a = actual if isinstance(actual, Tensor) else creation.tensor(actual)
        e = expected if isinstance(expected, Tensor) else creation.tensor(expected)
        why = _compare_tensors(a, e, opts["rtol"], opts["atol"], opts["equal_nan"], opts["check_dtype"])
        return (why, path) if why else None
    numbers = (int, float, complex)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        why = _compare_scalars(actual, expected, opts["rtol"], opts["atol"], opts["equal_nan"])
        return (why, path) if why else None
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            return ((f"The keys of the mappings do not match:\nMissing keys in the actual mapping: "
                    f"{sorted(set(expected) - set(actual))}\nAdditional keys in the actual mapping: "
                    f"{sorted(set(actual) - set(expected))}\n"), path)
        for k in expected:
            found = _compare(actual[k], expected[k], f"{path}[{k!r}]", opts)
            if found:
                return found
        return None
    if (isinstance(actual, Sequence) and isinstance(expected, Sequence)
            and not isinstance(actual, str) and not isinstance(expected, str)):
        if len(actual) != len(expected):
            return f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", path
        for i, (x, y) in enumerate(zip(actual, expected)):
            found = _compare(x, y, f"{path}[{i}]", opts)
            if found:
                return found
        return None
    raise TypeError(
        f"No comparison pair was able to handle inputs of type {_type_name(actual)} and {_type_name(expected)}.")


def _type_name(x: Any) -> str:
    return "<class 'torch.Tensor'>" if isinstance(x, Tensor) else str(type(x))


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: Any = None) -> None:
    """Raise AssertionError, with PyTorch's message, unless actual and expected are close."""
    found = _compare(actual, expected, "", {"rtol": rtol, "atol": atol, "equal_nan": equal_nan,
                                            "check_dtype": check_dtype})
    if found is None:
        return
    why, path = found
    if callable(msg):
        why = msg(why)
    elif msg is not None:
        why = msg
    elif path:
        why = f"{why}\n\nThe failure occurred for item {path}"
    raise AssertionError(why)


__getattr__ = _unsupported.module_getattr("torch.testing")
