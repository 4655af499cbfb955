"""First-order gradients on both sides: autograd.grad with the same seeded random grad_outputs."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .compare import compare
from .convert import Converter
from .outcome import Sample, call, raised


def flatten(x: Any) -> list:
    return [y for v in x for y in flatten(v)] if isinstance(x, (tuple, list)) else [x]


def compare_gradients(ref_out: Any, got_out: Any, wrt: list[tuple[str, torch.Tensor, Any]], B: Any) -> Sample:
    """Gradients of every floating output that requires grad w.r.t. `wrt` ([(label, torch, backend)]).

    allow_unused=True: an input the outputs do not depend on must give None on both sides.
    """
    refs, gots = flatten(ref_out), flatten(got_out)
    idx = [
        i
        for i, t in enumerate(refs)
        if isinstance(t, torch.Tensor) and t.requires_grad and (t.is_floating_point() or t.is_complex())
    ]
    if not (wrt and idx):
        return Sample("PASS", "forward")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(tuple(refs[i].shape)) for i in idx]
    arrays = [a + 1j * rng.standard_normal(a.shape) if refs[i].is_complex() else a for a, i in zip(arrays, idx)]
    conv = Converter(B)
    ref_go = [torch.tensor(a, dtype=refs[i].dtype) for a, i in zip(arrays, idx)]
    got_go = [B.tensor(a, dtype=conv.dtype(refs[i].dtype)) for a, i in zip(arrays, idx)]
    ref_g, ref_err = call(
        torch.autograd.grad, [refs[i] for i in idx], [r for _, r, _ in wrt], ref_go, allow_unused=True
    )
    got_g, got_err = call(B.autograd.grad, [gots[i] for i in idx], [g for _, _, g in wrt], got_go, allow_unused=True)
    ended = raised("grad: ", ref_err, got_err)
    if ended:
        return ended
    if len(ref_g) != len(got_g):
        return Sample("FAIL", f"grad: {len(ref_g)} gradients (torch) vs {len(got_g)}")
    for (label, _, _), a, b in zip(wrt, ref_g, got_g):
        why = compare(a, b, f"grad[{label}]", B, None, meta=False)
        if why:
            return Sample("FAIL", why)
    return Sample("PASS", "forward and gradients")
