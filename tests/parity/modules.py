"""module_db: one ModuleInfo entry on its own module inputs, on PyTorch and on the backend, in one mode.

Per sample both sides build the module (class of the same name under `backend.nn`, after manual_seed(0),
then .to(dtype) and .train(mode)); a sample matches when the backend raises as PyTorch does, or has
the same parameter and buffer names, shapes and dtypes, and, holding torch's state_dict, gives the same
forward results, the same buffers after forward and the same gradients w.r.t. inputs and parameters.
"""

from __future__ import annotations

import contextlib
import itertools
import warnings
from typing import Any

import torch

from .compare import compare, dtype_name, tolerance
from .convert import Converter, load_state, recording_module_args, seed
from .gradients import compare_gradients
from .outcome import NOT_IMPLEMENTED, Sample, Skip, Verdict, call, describe, first_line, is_missing, missing, raised
from .outcome import verdict as summarize

MAX_SAMPLES = 8  # as moduleinfo_parity.py: the list was measured with these
INIT_SEED, FORWARD_SEED = 0, 42


def entries() -> dict[str, Any]:
    from torch.testing._internal.common_modules import module_db

    return {mi.name: mi for mi in module_db}


def dtypes(mi: Any) -> set[str]:
    return {str(d).removeprefix("torch.") for d in mi.supported_dtypes("cpu")}


def modes(mi: Any) -> list[str]:
    """The modes to run: train, and eval too where the entry's modes differ (norms, RNNs, Transformer layers)."""
    return ["train", "eval"] if mi.train_and_eval_differ else ["train"]


def layout(module: Any, kind: str) -> list[tuple[str, tuple, str]]:
    """[(name, shape, dtype)] of a module's parameters or buffers, in its own order."""
    return [(n, tuple(t.shape), dtype_name(t.dtype)) for n, t in getattr(module, f"named_{kind}")()]


def layout_differs(ref_m: Any, got_m: Any) -> str | None:
    for kind in ("parameters", "buffers"):
        ref, got = layout(ref_m, kind), layout(got_m, kind)
        for a, b in itertools.zip_longest(ref, got):
            if a != b:
                return f"{kind}: {len(ref)} (torch) vs {len(got)}; first differs: {a} (torch) vs {b}"
    return None


def build(
    M: Any, cls: Any, args: Any, kwargs: Any, dtype: Any, training: bool, lazy_input: Any
) -> tuple[Any, str, Exception | None]:
    """(module, "", None), or (None, stage, the exception it raised there), on side M (torch or backend)."""
    seed(M, INIT_SEED)
    module, err = call(cls, *args, **kwargs)
    if err is not None:
        return None, "init: ", err
    for stage, step in (("to(dtype): ", lambda m: m.to(dtype)), ("train: ", lambda m: m.train(training))):
        moved, err = call(step, module)
        if err is not None:
            return None, stage, err
        module = module if moved is None else moved
    if lazy_input is not None:  # parameters materialise in the first forward: one under no_grad
        with getattr(M, "no_grad", contextlib.nullcontext)():
            _, err = call(module, *lazy_input[0], **lazy_input[1])
        if err is not None:
            return None, "lazy forward: ", err
    return module, "", None


def run_sample(mi: Any, bcls: Any, sample: Any, B: Any, dtype: Any, training: bool) -> Sample:
    if sample.forward_input is None:
        return Sample("SKIPPED", "no forward input")
    ctor, fwd = sample.constructor_input, sample.forward_input
    cconv, fconv = Converter(B), Converter(B)
    try:
        b_cargs, b_ckwargs = cconv(tuple(ctor.args)), cconv(dict(ctor.kwargs))
        b_fargs, b_fkwargs = fconv(tuple(fwd.args)), fconv(dict(fwd.kwargs))
        b_dtype = cconv.dtype(dtype)
    except Skip as e:
        return Sample("SKIPPED", str(e))
    except Exception as e:  # noqa: BLE001 - the backend refused a dtype, a tensor or an argument
        return Sample("MISSING", first_line(e)) if is_missing(e) else Sample("FAIL", f"convert: {describe(e)}")

    # One side after the other: with torch as the backend (a self-check) they share one RNG.
    ref_m, ref_stage, ref_err = build(
        torch, mi.module_cls, ctor.args, ctor.kwargs, dtype, training, (fwd.args, fwd.kwargs) if mi.is_lazy else None
    )
    got_m, got_stage, got_err = build(
        B, bcls, b_cargs, b_ckwargs, b_dtype, training, (b_fargs, b_fkwargs) if mi.is_lazy else None
    )
    ended = raised(ref_stage if ref_err is not None else got_stage, ref_err, got_err)
    if ended:
        return ended
    why, err = call(layout_differs, ref_m, got_m)
    if err is not None or why:
        return Sample("FAIL", why or f"parameters: {describe(err)}")

    _, err = call(load_state, got_m, ref_m.state_dict(), Converter(B))  # forward on torch's state
    if err is not None:
        return Sample("MISSING" if is_missing(err) else "FAIL", f"load_state_dict: {describe(err)}")
    torch.manual_seed(FORWARD_SEED)
    ref, ref_err = call(ref_m, *fwd.args, **fwd.kwargs)
    seed(B, FORWARD_SEED)
    got, got_err = call(got_m, *b_fargs, **b_fkwargs)
    ended = raised("", ref_err, got_err)
    if ended:
        return ended
    why = compare(ref, got, "out", B, tolerance(dtype))
    got_buffers = dict(got_m.named_buffers())
    for name, r in ref_m.named_buffers():
        why = why or compare(r, got_buffers.get(name), f"buffer {name} after forward", B, None, meta=False)
    if why:
        return Sample("FAIL", why)
    got_params = dict(got_m.named_parameters())
    wrt = [(f"input {k}", r, g) for k, (r, g) in enumerate(fconv.leaves)]
    wrt += [(f"param {n}", p, got_params[n]) for n, p in ref_m.named_parameters() if p.requires_grad]
    return compare_gradients(ref, got, wrt, B)


def backend_class(mi: Any, B: Any) -> tuple[Any, str]:
    """(the backend's class of the entry's name, "") or (None, why it has none)."""
    name = mi.module_cls.__name__
    try:
        bcls = getattr(B.nn, name)
    except AttributeError as e:
        return None, first_line(e) if NOT_IMPLEMENTED in str(e) else f"nn.{name} absent ({first_line(e)})"
    return (bcls, "") if callable(bcls) else (None, f"nn.{name} is not callable")


def run(mi: Any, dtype_name: str, mode: str, B: Any) -> Verdict:
    """The verdict on one entry in one dtype and mode ("train" or "eval")."""
    bcls, why = backend_class(mi, B)
    if bcls is None:
        return missing(why)
    dtype, training = getattr(torch, dtype_name), mode == "train"
    torch.manual_seed(0)
    try:
        with warnings.catch_warnings(), recording_module_args():
            warnings.simplefilter("ignore")
            inputs = mi.module_inputs_func(
                mi,
                device="cpu",
                dtype=dtype,
                requires_grad=dtype.is_floating_point or dtype.is_complex,
                training=training,
            )
            inputs = list(itertools.islice(inputs, MAX_SAMPLES))
    except Exception as e:  # noqa: BLE001 - module_inputs_func itself failed
        return summarize([Sample("SKIPPED", f"module_inputs_func raised {describe(e)}")])
    samples = []
    for sample in inputs:
        try:
            samples.append(run_sample(mi, bcls, sample, B, dtype, training))
        except Exception as e:  # noqa: BLE001 - a harness error on one sample must not stop the others
            samples.append(Sample("FAIL", f"harness: {describe(e)}"))
    return summarize(samples)
