"""optim_db's scheduler_inputs: one LR scheduler class, on every optimizer configuration that uses it.

Each optim_db entry lists sets of scheduler constructors (`lambda opt: StepLR(opt, gamma=0.9, step_size=10)`).
For each configuration of each entry and each set naming the class, a fresh problem on each side
(optimizers.py) gets the set's schedulers (the lambda's own code, with the scheduler classes bound to the
backend's of the same name under `optim.lr_scheduler`); after each optimizer step every scheduler steps
(ReduceLROnPlateau with its side's loss), and get_last_lr() must match after construction and every step.
In a set, the first scheduler whose learning rates differ fails; the others of that run are skipped.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import Any

import torch

from .compare import compare, tolerance
from .convert import resolve
from .optimizers import STEPS, build_both, config_skip, step_both
from .optimizers import backend_class as optimizer_class
from .optimizers import dtypes as optimizer_dtypes
from .outcome import NOT_IMPLEMENTED, Sample, Verdict, call, describe, first_line, missing, raised
from .outcome import verdict as summarize

LR_TOL = tolerance("float64")  # learning rates are Python floats


def is_scheduler_class(obj: Any) -> bool:
    lrs = torch.optim.lr_scheduler
    return isinstance(obj, type) and issubclass(obj, (lrs.LRScheduler, lrs.ReduceLROnPlateau))


def scheduler_name(ctor: Any) -> str:
    """The class a scheduler_inputs lambda makes, read from the names its code uses."""
    names = [n for n in ctor.__code__.co_names if is_scheduler_class(ctor.__globals__.get(n))]
    return ctor.__globals__[names[0]].__name__ if names else getattr(ctor, "__name__", "?")


def rebind(ctor: types.FunctionType, B: Any) -> Any:
    """The lambda with each scheduler class it names bound to the backend's class of that name."""
    g = dict(ctor.__globals__)
    for n in ctor.__code__.co_names:
        if is_scheduler_class(g.get(n)):
            g[n] = resolve(B, f"optim.lr_scheduler.{g[n].__name__}")
    new = types.FunctionType(ctor.__code__, g, ctor.__name__, ctor.__defaults__, ctor.__closure__)
    new.__kwdefaults__ = ctor.__kwdefaults__
    return new


@dataclass
class Uses:
    """A scheduler class and the sets of constructors naming it: [(optim_db entry, constructors)]."""

    name: str
    sets: list[tuple[Any, list]] = field(default_factory=list)


def entries() -> dict[str, Uses]:
    from torch.testing._internal.common_optimizers import optim_db

    found: dict[str, Uses] = {}
    for oi in optim_db:
        for ctors in oi.scheduler_inputs or ():
            for name in dict.fromkeys(scheduler_name(c) for c in ctors):
                found.setdefault(name, Uses(name)).sets.append((oi, list(ctors)))
    return found


def dtypes(uses: Uses) -> set[str]:
    return optimizer_dtypes(None)


def run_set(oi: Any, bcls: Any, cfg: Any, ctors: list, B: Any, dtype: Any) -> dict[str, Sample]:
    """{class name: how its run ended} for one configuration and one set of constructors."""
    names = [scheduler_name(c) for c in ctors]

    def only(name: str, sample: Sample) -> dict[str, Sample]:  # the others of the set are skipped
        return {n: sample if n == name else Sample("SKIPPED", f"run stopped by {name}") for n in names}

    ref, got, ended = build_both(oi, bcls, cfg, B, dtype)
    if ended:
        return {n: Sample("SKIPPED", f"optimizer {ended.reason}") for n in names}
    ref_s, got_s = [], []
    for name, ctor in zip(names, ctors):
        rs, ref_err = call(ctor, ref.opt)
        gs, got_err = call(lambda ctor=ctor: rebind(ctor, B)(got.opt))
        ended = raised("init: ", ref_err, got_err)
        if ended:
            return {n: ended for n in names} if ended.status == "PASS" else only(name, ended)
        ref_s.append(rs)
        got_s.append(gs)

    def rates_differ(k: int) -> dict[str, Sample] | None:
        for name, rs, gs in zip(names, ref_s, got_s):
            rates, err = call(gs.get_last_lr)
            why = f"step {k}: get_last_lr() raised {describe(err)}" if err else None
            why = why or compare(rs.get_last_lr(), rates, f"step {k}: get_last_lr()", B, LR_TOL, meta=False)
            if why:
                return only(name, Sample("FAIL", why))
        return None

    differ = rates_differ(0)
    if differ:
        return differ
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau
    for k in range(1, STEPS + 1):
        ref_step, got_step, ended = step_both(oi, ref, got, k)
        if ended:
            return {n: Sample("SKIPPED", f"optimizer {ended.reason}") for n in names}
        for name, rs, gs in zip(names, ref_s, got_s):
            by_loss = isinstance(rs, plateau)
            _, ref_err = call(rs.step, ref_step[0]) if by_loss else call(rs.step)
            _, got_err = call(gs.step, got_step[0]) if by_loss else call(gs.step)
            ended = raised(f"step {k}: ", ref_err, got_err)
            if ended:
                return only(name, ended)
        differ = rates_differ(k)
        if differ:
            return differ
    return {n: Sample("PASS", f"get_last_lr() over {STEPS} steps") for n in names}


def run(uses: Uses, dtype_name: str, B: Any) -> Verdict:
    """The verdict on one scheduler class in one dtype, over every configuration of every entry using it."""
    name = uses.name
    try:
        resolve(B, f"optim.lr_scheduler.{name}")
    except AttributeError as e:
        return missing(first_line(e) if NOT_IMPLEMENTED in str(e) else f"optim.lr_scheduler.{name} absent")
    dtype = getattr(torch, dtype_name)
    samples = []
    for oi, ctors in uses.sets:
        bcls, why = optimizer_class(oi, B)
        torch.manual_seed(0)
        configs, err = call(lambda oi=oi: list(oi.optim_inputs_func(device="cpu", dtype=dtype)))
        if err is not None:
            samples.append(Sample("SKIPPED", f"{oi.name}: optim_inputs_func raised {describe(err)}"))
        for cfg in configs or ():
            if config_skip(oi, cfg):
                continue
            if bcls is None:
                samples.append(Sample("SKIPPED", f"optimizer {why}"))
                continue
            try:
                samples.append(run_set(oi, bcls, cfg, ctors, B, dtype)[name])
            except Exception as e:  # noqa: BLE001 - a harness error on one run must not stop the others
                samples.append(Sample("FAIL", f"harness: {describe(e)}"))
    return summarize(samples)
