"""torch.optim.lr_scheduler: every scheduler's learning rates over 100 steps against real PyTorch, state_dict
round trips, and PyTorch's warnings and errors."""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest

from gradsh import torch


def _real_torch() -> Any:
    real = pytest.importorskip("torch")
    if not hasattr(real, "_C"):
        pytest.skip("`import torch` does not give real PyTorch")
    return real


def _lambda(epoch: int) -> float:
    return 0.95 ** epoch


def _mult(epoch: int) -> float:
    return 0.99


# name -> (optimizer kwargs, scheduler factory(S, opt)); S is the lr_scheduler module of either side
SCHEDULERS = {
    "ConstantLR": ({}, lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=7)),
    "ExponentialLR": ({}, lambda S, o: S.ExponentialLR(o, gamma=0.97)),
    "LinearLR": ({}, lambda S, o: S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=30)),
    "PolynomialLR": ({}, lambda S, o: S.PolynomialLR(o, total_iters=60, power=2.0)),
    "StepLR": ({}, lambda S, o: S.StepLR(o, step_size=7, gamma=0.7)),
    "MultiStepLR": ({}, lambda S, o: S.MultiStepLR(o, milestones=[10, 25, 25, 60], gamma=0.5)),
    "MultiplicativeLR": ({}, lambda S, o: S.MultiplicativeLR(o, lr_lambda=_mult)),
    "LambdaLR": ({}, lambda S, o: S.LambdaLR(o, lr_lambda=[_lambda, lambda e: 1 / (e + 1)])),
    "CosineAnnealingLR": ({}, lambda S, o: S.CosineAnnealingLR(o, T_max=15, eta_min=0.001)),
    "CosineAnnealingWarmRestarts": ({}, lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=2,
                                                                                   eta_min=0.01)),
    "CyclicLR": ({"momentum": 0.9}, lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=9,
                                                            step_size_down=13, mode="triangular2")),
    "CyclicLR-exp_range": ({"momentum": 0.9}, lambda S, o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1,
                                                                      step_size_up=6, mode="exp_range",
                                                                      gamma=0.99)),
    "OneCycleLR": ({"momentum": 0.9}, lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=101)),
    "OneCycleLR-three_phase": ({"momentum": 0.9}, lambda S, o: S.OneCycleLR(
        o, max_lr=[0.5, 0.3], epochs=5, steps_per_epoch=21, anneal_strategy="linear", three_phase=True)),
    "SequentialLR": ({}, lambda S, o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=10),
                                                         S.ExponentialLR(o, gamma=0.95)], milestones=[10])),
    "ChainedScheduler": ({}, lambda S, o: S.ChainedScheduler([S.ConstantLR(o, factor=0.3, total_iters=4),
                                                              S.ExponentialLR(o, gamma=0.98)])),
    "ReduceLROnPlateau": ({}, lambda S, o: S.ReduceLROnPlateau(o, factor=0.5, patience=3, cooldown=2)),
}


def _optimizer(T: Any, kw: dict) -> Any:
    w = T.nn.Parameter(T.ones(2))
    b = T.nn.Parameter(T.ones(1))
    return T.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.05}], lr=0.1, **kw)


def _losses() -> list[float]:
    # a plateauing metric with bumps, so that ReduceLROnPlateau both waits and reduces
    return [1.0 / (1 + k) + (0.3 if k % 11 == 0 else 0.0) + (0.5 if k > 40 else 0.0) for k in range(100)]


def _run(T: Any, name: str, steps: int = 100, resume_at: int | None = None) -> tuple[list, list, dict]:
    """The learning rates (and momenta) after construction and every step; resume_at rebuilds the scheduler
    from its state_dict there (a fresh optimizer and scheduler with the saved states loaded)."""
    kw, make = SCHEDULERS[name]
    opt = _optimizer(T, kw)
    sched = make(T.optim.lr_scheduler, opt)
    lrs, momenta = [list(sched.get_last_lr())], []
    losses = _losses()
    for k in range(steps):
        if resume_at is not None and k == resume_at:
            saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
            opt = _optimizer(T, kw)
            sched = make(T.optim.lr_scheduler, opt)
            opt.load_state_dict(saved_opt)
            sched.load_state_dict(saved_sched)
        opt.step()
        if name == "ReduceLROnPlateau":
            sched.step(losses[k])
        else:
            sched.step()
        lrs.append(list(sched.get_last_lr()))
        momenta.append([g.get("momentum") for g in opt.param_groups])
    return lrs, momenta, sched.state_dict()


def _plain(sd: dict) -> dict:
    """The state_dict without callables (their identity differs between the sides)."""
    out = {}
    for k, v in sd.items():
        if k == "_schedulers":
            out[k] = [_plain(s) for s in v]
        elif not callable(v) and k not in ("_scale_fn_ref",):
            out[k] = v
    return out


@pytest.mark.parity
@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_parity_over_100_steps(name: str) -> None:
    real = _real_torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, ours_m, ours_sd = _run(torch, name)
        theirs, theirs_m, theirs_sd = _run(real, name)
    assert len(ours) == 101
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert a == pytest.approx(b, rel=1e-15, abs=0), f"step {k}"
    for k, (a, b) in enumerate(zip(ours_m, theirs_m)):
        assert a == pytest.approx(b, rel=1e-15, abs=0), f"momentum at step {k}"
    assert _plain(ours_sd).keys() == _plain(theirs_sd).keys()
    for key, value in _plain(theirs_sd).items():
        if key != "_schedulers":
            assert _plain(ours_sd)[key] == pytest.approx(value, rel=1e-15) if isinstance(value, float) \
                else _plain(ours_sd)[key] == value, key


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_round_trip_continues_the_schedule(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        straight, _, _ = _run(torch, name)
        resumed, _, _ = _run(torch, name, resume_at=50)
    assert resumed == straight


def test_a_few_known_values() -> None:
    opt = _optimizer(torch, {})
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    got = []
    for _ in range(5):
        opt.step()
        sched.step()
        got.append(sched.get_last_lr()[0])
    assert got == [0.1, 0.05, 0.05, 0.025, 0.025]
    opt = _optimizer(torch, {})
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    for _ in range(2):
        opt.step()
        cos.step()
    assert cos.get_last_lr()[0] == pytest.approx(0.1 * (1 + math.cos(math.pi / 2)) / 2)


def test_stepping_the_scheduler_before_the_optimizer_warns() -> None:
    opt = _optimizer(torch, {})
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        sched.step()
    opt2 = _optimizer(torch, {})
    sched2 = torch.optim.lr_scheduler.ExponentialLR(opt2, gamma=0.9)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()


def test_get_lr_outside_step_and_epoch_argument_warn() -> None:
    opt = _optimizer(torch, {})
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        sched.step(6)
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.01, 0.05 * 0.01])


def test_scheduler_errors() -> None:
    S = torch.optim.lr_scheduler
    opt = _optimizer(torch, {})
    with pytest.raises(TypeError, match="^int is not an Optimizer$"):
        S.StepLR(3, step_size=1)
    with pytest.raises(ValueError, match="Constant multiplicative factor expected to be between 0 and 1."):
        S.ConstantLR(opt, factor=2.0)
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        S.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1 with `cycle_momentum`"):
        S.CyclicLR(torch.optim.Rprop([torch.nn.Parameter(torch.ones(1))]), base_lr=0.1, max_lr=1.0)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        S.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        S.StepLR(_optimizer(torch, {}), step_size=1, last_epoch=3)
    one = S.OneCycleLR(opt, max_lr=0.1, total_steps=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one.step()
        one.step()
        with pytest.raises(ValueError, match="^Tried to step 3 times. The specified number of total steps is 2$"):
            one.step()


def test_adam_betas_cycle_with_onecycle() -> None:
    p = torch.nn.Parameter(torch.ones(1))
    opt = torch.optim.Adam([p], lr=0.1)
    torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    assert opt.param_groups[0]["betas"] == (0.95, 0.999) and opt.param_groups[0]["lr"] == pytest.approx(0.04)


@pytest.mark.parity
@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_pytorchs_scheduler_state_resumes_in_gradsh(name: str) -> None:
    """PyTorch's optimizer and scheduler state_dicts at step 50, carried over in a torch.save file, continue the
    schedule in gradsh exactly as PyTorch continues it."""
    import io

    real = _real_torch()
    kw, make = SCHEDULERS[name]
    losses = _losses()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = _optimizer(real, kw)
        sched = make(real.optim.lr_scheduler, opt)

        def advance(o: Any, s: Any, k: int) -> None:
            o.step()
            s.step(losses[k]) if name == "ReduceLROnPlateau" else s.step()

        for k in range(50):
            advance(opt, sched, k)
        buffer = io.BytesIO()
        real.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, buffer)
        buffer.seek(0)
        saved = torch.load(buffer)
        ours_opt = _optimizer(torch, kw)
        ours = make(torch.optim.lr_scheduler, ours_opt)
        ours_opt.load_state_dict(saved["opt"])
        ours.load_state_dict(saved["sched"])
        for k in range(50, 100):
            advance(opt, sched, k)
            advance(ours_opt, ours, k)
            assert ours.get_last_lr() == pytest.approx(sched.get_last_lr(), rel=1e-15, abs=0), f"step {k}"
