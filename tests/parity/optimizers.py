"""optim_db: one OptimizerInfo entry on its own configurations, on PyTorch and on the backend.

Per configuration both sides get the same seeded problem (Parameters weight [5, 3] and bias [5], the
weight alone for Muon as in test_optim.py; loss = mean((tanh(x @ weight.T + bias) - y) ** 2)) and the
optimizer class of the same name with the configuration's kwargs. A configuration matches when the
backend raises as PyTorch does, or after each of STEPS steps returns the same value from step() and
holds the same parameters, and at the end gives the same state_dict() (per-parameter state within
tolerance, param_groups' hyper-parameters equal). Learning-rate schedulers and the entry's error inputs,
which the measuring tool reports apart from the entry's status, are not covered here.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import torch

from .compare import compare, dtype_name, tolerance
from .convert import Converter, resolve
from .outcome import NOT_IMPLEMENTED, Sample, Skip, Verdict, call, describe, first_line, is_missing, missing, raised
from .outcome import verdict as summarize

STEPS = 10  # as optiminfo_parity.py: the list was measured with these
DATA_SEED = 0
ONLY_2D = ("Muon",)  # test_optim.py gives these the weight alone
SKIP_FLAGS = ("capturable", "fused", "foreach", "differentiable")  # True on none of the CPU configurations


def entries() -> dict[str, Any]:
    from torch.testing._internal.common_optimizers import optim_db

    return {oi.name: oi for oi in optim_db}


def dtypes(oi: Any) -> set[str]:
    return {"float16", "bfloat16", "float32", "float64"}  # the problem's dtype; optim_db lists none per entry


def problem(dtype: torch.dtype) -> dict[str, np.ndarray]:
    """The problem's seeded arrays, already in the dtype's numpy type (the same bits on both sides)."""
    rng = np.random.default_rng(DATA_SEED)
    arrays = {
        "weight": rng.standard_normal((5, 3)) * 0.5,
        "bias": rng.standard_normal(5) * 0.1,
        "x": rng.standard_normal((8, 3)),
        "y": rng.uniform(-0.5, 0.5, (8, 5)),
    }
    numpy_dtype = {"float64": np.float64, "float16": np.float16}.get(dtype_name(dtype), np.float32)
    return {k: v.astype(numpy_dtype) for k, v in arrays.items()}


def config_skip(oi: Any, cfg: Any) -> str | None:
    """Why a configuration is not run, or None."""
    if oi.only_supports_sparse_grads:
        return "sparse gradients only"
    for flag in SKIP_FLAGS:
        if cfg.kwargs.get(flag) is True:
            return f"{flag}=True"
    conv = Converter(torch)  # a dry run of each side's copy: sparse or non-CPU tensors are skipped
    try:
        conv(cfg.params)
        conv(dict(cfg.kwargs))
    except Skip as e:
        return str(e)
    if cfg.params is not None and not conv.leaves:
        return "params given without a tensor that requires grad"
    return None


def build_side(
    M: Any, cls: Any, cfg: Any, arrays: dict[str, np.ndarray], dtype: Any, only_weight: bool
) -> types.SimpleNamespace:
    """The problem and the optimizer on side M (torch or the backend)."""
    conv = Converter(M)
    d = conv.dtype(dtype)
    side = types.SimpleNamespace()
    if cfg.params is None:
        weight = M.nn.Parameter(M.tensor(arrays["weight"], dtype=d))
        bias = M.tensor(arrays["bias"], dtype=d)
        if not only_weight:
            bias = M.nn.Parameter(bias)
        x, y = M.tensor(arrays["x"], dtype=d), M.tensor(arrays["y"], dtype=d)
        side.params = [weight] if only_weight else [weight, bias]
        side.names = ["weight", "bias"][: len(side.params)]
        params_arg = list(side.params)

        def loss() -> Any:
            diff = M.tanh(x @ weight.T + bias) - y
            return (diff * diff).mean()

    else:  # the configuration's own tensors or param groups, as given (none on the CPU in 2.13)
        params_arg = conv(cfg.params)
        side.params = [copy for _, copy in conv.leaves]
        side.names = [f"params leaf {i}" for i in range(len(side.params))]

        def loss() -> Any:
            diffs = [M.tanh(p) - 0.25 for p in side.params]
            terms = [(d * d).mean() for d in diffs]
            return sum(terms[1:], terms[0])

    side.loss = loss
    side.opt = cls(params_arg, **conv(dict(cfg.kwargs)))
    return side


def step_side(side: types.SimpleNamespace, use_closure: bool) -> tuple[Any, Any]:
    """One optimizer step: (the loss, what step() returned)."""

    def closure() -> Any:
        side.opt.zero_grad()
        loss = side.loss()
        loss.backward()
        return loss

    if use_closure:
        returned = side.opt.step(closure)
        return returned, returned
    loss = closure()
    return loss, side.opt.step()


def build_both(oi: Any, bcls: Any, cfg: Any, B: Any, dtype: Any) -> tuple[Any, Any, Sample | None]:
    """(torch's side, the backend's side, None), or (.., .., how the sample ended) when one raised."""
    arrays, only_weight = problem(dtype), oi.name in ONLY_2D
    ref, ref_err = call(build_side, torch, oi.optim_cls, cfg, arrays, dtype, only_weight)
    got, got_err = call(build_side, B, bcls, cfg, arrays, dtype, only_weight)
    return ref, got, raised("init: ", ref_err, got_err)


def step_both(oi: Any, ref: Any, got: Any, k: int) -> tuple[Any, Any, Sample | None]:
    """(torch's (loss, returned), the backend's, None), or (.., .., how the sample ended) when one raised."""
    ref_step, ref_err = call(step_side, ref, oi.step_requires_closure)
    got_step, got_err = call(step_side, got, oi.step_requires_closure)
    return ref_step, got_step, raised(f"step {k}: ", ref_err, got_err)


def run_config(oi: Any, bcls: Any, cfg: Any, B: Any, dtype: Any) -> Sample:
    """Parameters and step()'s result after every step, state_dict() after the last."""
    ref, got, ended = build_both(oi, bcls, cfg, B, dtype)
    if ended:
        return ended
    tol = tolerance(dtype)
    for name, r, g in zip(ref.names, ref.params, got.params):
        why = compare(r, g, f"step 0: {name}", B, None, meta=False)
        if why:
            return Sample("FAIL", f"{why} (the starting copies differ)")
    for k in range(1, STEPS + 1):
        ref_step, got_step, ended = step_both(oi, ref, got, k)
        if ended:
            return ended
        why = compare(ref_step[1], got_step[1], f"step {k}: step() returned", B, tol, meta=False)
        for name, r, g in zip(ref.names, ref.params, got.params):
            why = why or compare(r, g, f"step {k}: {name}", B, tol, meta=False)
        if why:
            return Sample("FAIL", why)
    ref_sd = ref.opt.state_dict()
    got_sd, got_err = call(got.opt.state_dict)
    if got_err is not None:
        return Sample("MISSING" if is_missing(got_err) else "FAIL", f"state_dict(): raised {describe(got_err)}")
    if not isinstance(got_sd, dict) or set(got_sd) != set(ref_sd):
        return Sample("FAIL", f"state_dict(): keys {sorted(ref_sd)} (torch) vs {got_sd!r:.100}")
    why = compare(ref_sd["state"], got_sd["state"], "state", B, tol, meta=False) or compare(
        ref_sd["param_groups"], got_sd["param_groups"], "param_groups", B, None, meta=False
    )
    return Sample("FAIL", why) if why else Sample("PASS", f"{STEPS} steps and state_dict")


def backend_class(oi: Any, B: Any) -> tuple[Any, str]:
    """(the backend's optimizer class of the entry's name, "") or (None, why it has none)."""
    try:
        bcls = resolve(B, f"optim.{oi.name}")
    except AttributeError as e:
        return None, first_line(e) if NOT_IMPLEMENTED in str(e) else f"optim.{oi.name} absent ({first_line(e)})"
    return (bcls, "") if callable(bcls) else (None, f"optim.{oi.name} is not callable")


def run(oi: Any, dtype_name: str, B: Any) -> Verdict:
    """The verdict on one entry in one dtype."""
    bcls, why = backend_class(oi, B)
    if bcls is None:
        return missing(why)
    dtype = getattr(torch, dtype_name)
    torch.manual_seed(0)
    configs, err = call(lambda: list(oi.optim_inputs_func(device="cpu", dtype=dtype)))
    if err is not None:
        return summarize([Sample("SKIPPED", f"optim_inputs_func raised {describe(err)}")])
    samples = []
    for cfg in configs:
        skip = config_skip(oi, cfg)
        if skip:
            samples.append(Sample("SKIPPED", skip))
            continue
        try:
            samples.append(run_config(oi, bcls, cfg, B, dtype))
        except Exception as e:  # noqa: BLE001 - a harness error on one configuration must not stop the others
            samples.append(Sample("FAIL", f"harness: {describe(e)}"))
    return summarize(samples)
