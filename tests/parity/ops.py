"""op_db: one OpInfo entry on its own sample inputs, on PyTorch and on the backend.

A sample matches when the backend raises as PyTorch does, or returns the same structure, shapes,
dtypes, values, requires_grad and grad_fn names and, where the entry supports autograd, the same
gradients of its floating outputs w.r.t. the inputs that require grad.
"""

from __future__ import annotations

import itertools
import re
import types
import warnings
from collections.abc import Callable
from typing import Any

import torch

from .compare import Tolerance, compare, tolerance
from .convert import Converter, resolve, seed
from .gradients import compare_gradients
from .outcome import NOT_IMPLEMENTED, Sample, Skip, Verdict, call, describe, first_line, is_missing, missing, raised
from .outcome import verdict as summarize

MAX_SAMPLES = 12  # as opinfo_parity.py: the list was measured with these
CALL_SEED = 42  # both sides, right before the call (random ops), as PyTorch's wrapper_set_seed
NO_VALUES = re.compile(r"^(new_)?empty")  # uninitialised memory: shape, dtype and autograd only
STORAGE = re.compile(r"^as_strided")  # reads the storage behind its input, which a copy cannot carry


def label(op: Any) -> str:
    """`name` or `name.variant`, as the list names an entry."""
    return op.name + (f".{op.variant_test_name}" if op.variant_test_name else "")


def entries() -> dict[str, Any]:
    from torch.testing._internal.common_methods_invocations import op_db

    return {label(op): op for op in op_db}


def dtypes(op: Any) -> set[str]:
    return {str(d).removeprefix("torch.") for d in op.supported_dtypes("cpu")}


def method_caller(name: str) -> Callable:
    """Calls the input's attribute `name` (a method, or a property such as `.T`)."""

    def call_method(self: Any, *args: Any, **kwargs: Any) -> Any:
        attr = getattr(self, name)
        return attr(*args, **kwargs) if callable(attr) else attr

    return call_method


def rebind(fn: types.FunctionType, B: Any) -> Callable:
    """An OpInfo's wrapper lambda with `torch` bound to the backend (and a wrapper_set_seed seeding it)."""
    g = dict(fn.__globals__)
    g["torch"] = B
    g["wrapper_set_seed"] = lambda f, *a, **k: (seed(B, CALL_SEED), f(*a, **k))[1]
    new = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)
    new.__kwdefaults__ = fn.__kwdefaults__
    return new


def backend_callable(op: Any, B: Any) -> tuple[Callable | None, str]:
    """(the backend's callable for the entry, "") or (None, why it has none)."""
    name = op.name.removeprefix("torch.")
    last = name.rsplit(".", 1)[-1]
    try:
        func_named = resolve(torch, name) is op.op
    except AttributeError:
        func_named = False
    meth_named = getattr(torch.Tensor, last, None) is op.op
    if type(op.op).__name__ == "_JittedFunction":
        return None, "CUDA-only (jiterator)"
    if isinstance(op.op, (torch._ops.OpOverload, torch._ops.OpOverloadPacket)):
        name = "ops." + str(op.op)  # aten.slice.Tensor
    elif isinstance(op.op, types.FunctionType) and not (func_named or meth_named):
        return rebind(op.op, B), ""  # a wrapper lambda: argument reordering, x.T, seeded random ops
    elif meth_named and not func_named:  # Tensor.cfloat, Tensor.__radd__, Tensor.__getitem__
        return (method_caller(last), "") if hasattr(B.Tensor, last) else (None, f"Tensor.{last} absent")
    try:
        fn = resolve(B, name)
        if callable(fn):
            return fn, ""
        why = f"{name} is not callable"
    except AttributeError as e:
        why = first_line(e) if NOT_IMPLEMENTED in str(e) else f"{name} absent ({first_line(e)})"
    if op.method_variant is not None and hasattr(B.Tensor, last):
        return method_caller(last), ""
    return None, why


def run_sample(op: Any, fn: Callable, sample: Any, B: Any, tol: Tolerance) -> Sample:
    """One sample; `tol` is the entry dtype's tolerance, for Python numbers in the results."""
    conv = Converter(B, whole_storage=bool(STORAGE.match(op.name)))
    try:
        b_input, b_args, b_kwargs = conv(sample.input), conv(tuple(sample.args)), conv(dict(sample.kwargs))
    except Skip as e:
        return Sample("SKIPPED", str(e))
    except Exception as e:  # noqa: BLE001 - the backend refused a dtype or a tensor
        return Sample("MISSING", first_line(e)) if is_missing(e) else Sample("FAIL", f"convert: {describe(e)}")
    torch.manual_seed(CALL_SEED)
    ref, ref_err = call(op.op, sample.input, *sample.args, **sample.kwargs)
    seed(B, CALL_SEED)
    got, got_err = call(fn, b_input, *b_args, **b_kwargs)
    ended = raised("", ref_err, got_err)
    if ended:
        return ended
    why = compare(ref, got, "out", B, tol, values=not NO_VALUES.match(op.name))
    if why:
        return Sample("FAIL", why)
    if not op.supports_autograd:
        return Sample("PASS", "forward")
    wrt = [(f"input {k}", r, g) for k, (r, g) in enumerate(conv.leaves)]
    return compare_gradients(ref, got, wrt, B)


def run(op: Any, dtype_name: str, B: Any) -> Verdict:
    """The verdict on one entry in one dtype."""
    fn, why = backend_callable(op, B)
    if fn is None:
        return Verdict("NO-SAMPLES", 0, 0, 0, why) if why.startswith("CUDA-only") else missing(why)
    dtype = getattr(torch, dtype_name)
    torch.manual_seed(0)
    requires_grad = op.supports_autograd and (dtype.is_floating_point or dtype.is_complex)
    samples: list[Sample] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inputs = list(itertools.islice(op.sample_inputs("cpu", dtype, requires_grad=requires_grad), MAX_SAMPLES))
    except Exception as e:  # noqa: BLE001 - sample_inputs itself failed
        return summarize([Sample("SKIPPED", f"sample_inputs raised {describe(e)}")])
    for sample in inputs:
        try:
            samples.append(run_sample(op, fn, sample, B, tolerance(dtype)))
        except Exception as e:  # noqa: BLE001 - a harness error on one sample must not stop the others
            samples.append(Sample("FAIL", f"harness: {describe(e)}"))
    return summarize(samples)
