"""Second-order gradients of an op_db entry: autograd.grad with create_graph=True, then autograd.grad again.

On each side: the entry's output, its first gradients w.r.t. the inputs that require grad (seeded random
grad_outputs, create_graph=True), then the gradients of those first gradients (again seeded random
grad_outputs) w.r.t. the same inputs. A first gradient that does not require grad on PyTorch's side
(a piecewise-linear op, a constant gradient) must not on the backend's either, and is left out of the
second step. Values are compared at the entry dtype's tolerance, as the first-order comparison does.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import torch

from .compare import compare, tolerance
from .convert import Converter, seed
from .gradients import flatten
from .ops import CALL_SEED, backend_callable, entries
from .outcome import Sample, Skip, Verdict, call, describe, raised
from .outcome import verdict as summarize

SAMPLES = 3  # per entry: the second-order graph is what is checked, not every shape again


def _random_like(tensors: list, rng: np.random.Generator, conv: Converter) -> tuple[list, list]:
    arrays = [rng.standard_normal(tuple(t.shape)) for t in tensors]
    ref = [torch.tensor(a, dtype=t.dtype) for a, t in zip(arrays, tensors)]
    got = [conv.M.tensor(a, dtype=conv.dtype(t.dtype)) for a, t in zip(arrays, tensors)]
    return ref, got


def _floating_outputs(ref: Any, got: Any) -> tuple[list, list]:
    refs, gots = flatten(ref), flatten(got)
    idx = [i for i, t in enumerate(refs)
           if isinstance(t, torch.Tensor) and t.requires_grad and t.is_floating_point()]
    return [refs[i] for i in idx], [gots[i] for i in idx]


def second_order_sample(op: Any, fn: Any, sample: Any, B: Any) -> Sample:
    conv = Converter(B)
    try:
        b_input, b_args, b_kwargs = conv(sample.input), conv(tuple(sample.args)), conv(dict(sample.kwargs))
    except Skip as e:
        return Sample("SKIPPED", str(e))
    torch.manual_seed(CALL_SEED)
    ref, ref_err = call(op.op, sample.input, *sample.args, **sample.kwargs)
    seed(B, CALL_SEED)
    got, got_err = call(fn, b_input, *b_args, **b_kwargs)
    if ref_err is not None or got_err is not None:
        return raised("", ref_err, got_err) or Sample("PASS", "both raised")
    leaves = conv.leaves
    ref_out, got_out = _floating_outputs(ref, got)
    if not (leaves and ref_out):
        return Sample("SKIPPED", "no differentiable output")
    rng = np.random.default_rng(0)
    ref_go, got_go = _random_like(ref_out, rng, conv)
    wrt_ref, wrt_got = [r for r, _ in leaves], [g for _, g in leaves]
    ref_g, ref_err = call(torch.autograd.grad, ref_out, wrt_ref, ref_go, create_graph=True, allow_unused=True)
    got_g, got_err = call(B.autograd.grad, got_out, wrt_got, got_go, create_graph=True, allow_unused=True)
    ended = raised("grad: ", ref_err, got_err)
    if ended:
        return ended
    keep = [k for k, g in enumerate(ref_g) if g is not None and g.requires_grad]
    for k, b in enumerate(got_g):
        if (b is not None and b.requires_grad) != (k in keep):
            return Sample("FAIL", f"grad[input {k}]: requires_grad {k in keep} (torch) vs {k not in keep}")
    if not keep:
        return Sample("PASS", "first-order gradients are constants")
    ref_go2, got_go2 = _random_like([ref_g[k] for k in keep], rng, conv)
    ref_gg, ref_err = call(torch.autograd.grad, [ref_g[k] for k in keep], wrt_ref, ref_go2, allow_unused=True)
    got_gg, got_err = call(B.autograd.grad, [got_g[k] for k in keep], wrt_got, got_go2, allow_unused=True)
    ended = raised("grad of grad: ", ref_err, got_err)
    if ended:
        return ended
    tol = tolerance(sample.input.dtype if isinstance(sample.input, torch.Tensor) else torch.float64)
    for k, (a, b) in enumerate(zip(ref_gg, got_gg)):
        why = compare(a, b, f"grad of grad[input {k}]", B, tol, meta=False)
        if why:
            return Sample("FAIL", why)
    return Sample("PASS", "second-order gradients")


def run(name: str, dtype_name: str, B: Any) -> Verdict:
    """The verdict on one op_db entry's second-order gradients in one dtype."""
    op = entries()[name]
    fn, why = backend_callable(op, B)
    if fn is None:
        return Verdict("MISSING", 0, 0, 0, why)
    dtype = getattr(torch, dtype_name)
    torch.manual_seed(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inputs = list(itertools.islice(op.sample_inputs("cpu", dtype, requires_grad=True), SAMPLES))
    except Exception as e:  # noqa: BLE001 - sample_inputs itself failed
        return summarize([Sample("SKIPPED", f"sample_inputs raised {describe(e)}")])
    samples = []
    for sample in inputs:
        try:
            samples.append(second_order_sample(op, fn, sample, B))
        except Exception as e:  # noqa: BLE001 - a harness error on one sample must not stop the others
            samples.append(Sample("FAIL", f"harness: {describe(e)}"))
    return summarize(samples)


def differentiable(name: str) -> bool:
    """Whether PyTorch's op_db says the entry supports second-order gradients."""
    op = entries().get(name)
    return op is not None and op.supports_autograd and getattr(op, "supports_gradgrad", True)
