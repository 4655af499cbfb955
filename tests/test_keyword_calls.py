"""Every registered torch.* function called with all-keyword arguments, on gradsh and on PyTorch.

Positional sample arguments are named by PyTorch's recorded overloads (the first overload that real torch
accepts with those names), then the same keyword call runs on gradsh.torch and its result is compared with
the parity harness's rules. Samples come from PyTorch's op_db where the function has an entry there, else
from the cases below.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from test_signatures import REGISTERED, pytorch_overloads

pytestmark = pytest.mark.parity

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")

from parity.compare import compare, tolerance
from parity.convert import Converter

from gradsh import torch as gt

MAX_SAMPLES = 3
UNINITIALISED = ("torch.empty", "torch.empty_like", "torch.empty_permuted")  # shape, dtype and autograd only
# known engine bugs these calls find; strict, so the mark must go when the bug is fixed
BUGS = {"torch.matrix_exp": "float32 matrix_exp is computed in double and rounded; PyTorch's float32 Pade "
                            "differs by more than float32's tolerance on op_db's large-norm samples"}
FUNCTIONS = sorted({q for q, _, method in REGISTERED if not method and q.startswith("torch.") and q.count(".") == 1})

# functions with no op_db entry of their own: (positional args, keyword args) built on the torch side
OWN_CASES: dict[str, Any] = {
    "torch.tensor": lambda: (([1.0, 2.0],), {"dtype": torch.float64, "requires_grad": True}),
    "torch.as_tensor": lambda: (([1, 2],), {"dtype": torch.float32}),
    "torch.zeros": lambda: (((2, 3),), {"dtype": torch.int64}),
    "torch.ones": lambda: (((2,),), {}),
    "torch.full": lambda: (((2,), 1.5), {}),
    "torch.eye": lambda: ((2, 3), {}),
    "torch.arange": lambda: ((1, 7, 2), {}),
    "torch.linspace": lambda: ((0.0, 1.0, 5), {}),
    "torch.randperm": lambda: ((5,), {}),
    "torch.rsub": lambda: ((torch.ones(3), torch.full((3,), 2.0)), {"alpha": 2}),
    "torch.true_divide": lambda: ((torch.ones(3), torch.full((3,), 2.0)), {}),
    "torch.swapaxes": lambda: ((torch.ones(2, 3), 0, 1), {}),
    "torch.swapdims": lambda: ((torch.ones(2, 3), 0, 1), {}),
}


def _op_db() -> dict[str, Any]:
    from torch.testing._internal.common_methods_invocations import op_db

    found: dict[str, Any] = {}
    for op in op_db:
        if not op.variant_test_name and op.name not in found:
            found[op.name] = op
    return found


def _samples(qualname: str) -> list[tuple[tuple, dict]]:
    name = qualname.removeprefix("torch.")
    if qualname in OWN_CASES:
        return [OWN_CASES[qualname]()]
    op = _op_db().get(name)
    if op is None or op.op is not getattr(torch, name, None):
        return []
    torch.manual_seed(0)
    out = []
    for sample in op.sample_inputs("cpu", torch.float32, requires_grad=False):
        out.append(((sample.input, *sample.args), dict(sample.kwargs)))
        if len(out) == MAX_SAMPLES:
            break
    return out


def _as_keywords(qualname: str, args: tuple, kwargs: dict) -> dict | None:
    """The call with every argument named, by the first recorded overload PyTorch accepts so."""
    fn = getattr(torch, qualname.removeprefix("torch."))
    for overload in pytorch_overloads(qualname) or []:
        positional = [name for name, kind, _ in overload if kind == "pos"]
        if any(kind == "var" for _, kind, _ in overload) or len(args) > len(positional):
            continue
        named = dict(zip(positional, args), **kwargs)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn(**named)
        except TypeError:
            continue
        except Exception:  # noqa: BLE001, S112 - PyTorch bound the names and then refused the values: try another
            continue
        return named
    return None


@pytest.mark.parametrize("qualname", [
    pytest.param(q, marks=pytest.mark.xfail(reason=BUGS[q], strict=True)) if q in BUGS else q for q in FUNCTIONS
])
def test_all_keyword_call_as_on_pytorch(qualname: str) -> None:
    samples = _samples(qualname)
    if not samples:
        pytest.skip("no op_db entry calling this function directly, and no case of our own")
    called = 0
    for args, kwargs in samples:
        named = _as_keywords(qualname, args, kwargs)
        if named is None:
            continue
        conv = Converter(gt)
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = getattr(torch, qualname.removeprefix("torch."))(**named)
            gt.manual_seed(0)
            got = getattr(gt, qualname.removeprefix("torch."))(**conv(named))
        why = compare(ref, got, "out", gt, tolerance(torch.float32), meta=False, values=qualname not in UNINITIALISED)
        assert why is None, f"{qualname}({', '.join(named)}): {why}"
        called += 1
    if not called:
        pytest.skip("no sample that PyTorch takes with every argument named")
