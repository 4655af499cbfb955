"""The recorded random-number vectors and how to check one (the rules of shared/tools/check_rng_vectors.py).

Shared by test_random_kernels.py (against a numpy shim of the kernels) and test_random_ops.py
(against gradsh.torch itself).
"""

from __future__ import annotations

import json
import math
import pathlib
import warnings
from typing import Any

import pytest

VECTORS = pathlib.Path(__file__).parent / "data" / "rng_vectors.jsonl"


def load() -> list[dict]:
    return [json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip()]


def params() -> list:
    return [pytest.param(case, id=case["id"]) for case in load()]


def _flatten(x: object) -> list:
    if isinstance(x, (list, tuple)):
        return [v for e in x for v in _flatten(e)]
    return [x]


def _observe(value: Any) -> tuple[str, list[int], list]:
    if isinstance(value, bool):
        return "bool", [], [value]
    if isinstance(value, int):
        return "int", [], [value]
    if isinstance(value, float):
        return "float", [], [value]
    return str(value.dtype).removeprefix("torch."), [int(s) for s in value.shape], _flatten(value.tolist())


def ulp(x: float, dtype: str) -> float:
    x = abs(float(x))
    if dtype in ("float64", "float"):
        return math.ulp(x)
    mant = {"float32": 24, "float16": 11, "bfloat16": 8}.get(dtype, 53)
    emin = {"float32": -125, "float16": -13, "bfloat16": -125}.get(dtype, -1021)
    if x == 0 or math.isinf(x) or math.isnan(x):
        return 2.0 ** (emin - mant)
    return 2.0 ** (max(math.frexp(x)[1], emin) - mant)


def same(a: object, b: object) -> bool:
    """Identical values: floats bit for bit, including NaN and the sign of zero."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, float) or isinstance(b, float):
        fa, fb = float(a), float(b)  # type: ignore[arg-type]
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        return fa == fb and math.copysign(1.0, fa) == math.copysign(1.0, fb)
    return a == b


def check(case: dict, torch_like: Any) -> None:
    """Run one vector with `torch` bound to `torch_like` and assert dtype, shape and values."""
    ns: dict = {"torch": torch_like, "__name__": "__rngcheck__"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. float bounds beyond 2^24: PyTorch warns too
        if case.get("setup"):
            exec(compile(case["setup"], "<setup>", "exec"), ns)  # noqa: S102 - the vectors are code by design
        if case.get("raises"):
            with pytest.raises(Exception) as info:
                eval(compile(case["expr"], "<expr>", "eval"), ns)
            assert type(info.value).__name__ == case["raises"]
            return
        dtype, shape, values = _observe(eval(compile(case["expr"], "<expr>", "eval"), ns))
    assert dtype == case["dtype"]
    assert shape == case["shape"]
    assert len(values) == len(case["values"])
    tol = case.get("ulp", 4)
    for i, (got, want) in enumerate(zip(values, case["values"])):
        if case.get("exact", True) or not isinstance(want, float):
            assert same(got, want), f"value[{i}] = {got!r}, expected {want!r}"
        else:
            # "exact": false marks float64 values that pass through the C library's log/sin/cos
            # (spec/rng.md §12-14): another libm may round them differently by an ulp or two, so these are
            # compared within `ulp` units (default 4); their printed 4-decimal values are still the same
            assert (math.isnan(got) and math.isnan(want)) or abs(got - want) <= tol * ulp(want, dtype), i
