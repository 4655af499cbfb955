"""jvp of PyTorch's op_db entries (those with supports_forward_ad) on gradsh and on PyTorch, in float64.

For each entry's sample inputs (the first few, after torch.manual_seed(0)), the floating tensors among the
input and args are primals with seeded random tangents; torch.func.jvp runs on both sides over a function
that calls the op with them. An entry passes when every sample that gradsh could run gives PyTorch's
outputs and tangents (rtol 1e-7, atol 1e-9). Run as a script for the table; tests/test_forward_ad.py pins
the passing entries.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

MAX_SAMPLES = 4


def _gradsh_callable(op: Any, G: Any) -> Any:
    name = op.name
    target: Any = G
    for part in name.split("."):
        target = getattr(target, part, None)
        if target is None:
            break
    if target is not None and callable(target):
        return target
    method = getattr(G.Tensor, name, None)
    if method is not None:
        return lambda x, *a, **k: method(x, *a, **k)
    return None


def _convert(value: Any, T: Any, G: Any) -> Any:
    if isinstance(value, T.Tensor):
        arr = value.detach().numpy().copy()
        return G.tensor(arr, dtype=getattr(G, str(value.dtype).removeprefix("torch.")))
    if isinstance(value, (list, tuple)):
        return type(value)(_convert(v, T, G) for v in value)
    if isinstance(value, T.dtype):
        return getattr(G, str(value).removeprefix("torch."))
    return value


def _jvp(B: Any, fn: Any, inp: Any, args: tuple, kwargs: dict) -> tuple:
    """(outputs, tangents) as numpy arrays: floating tensors among input and args are the primals."""
    slots = [inp, *args]
    positions = [i for i, v in enumerate(slots) if isinstance(v, B.Tensor) and v.is_floating_point()]
    rng = np.random.default_rng(3)
    primals = tuple(slots[i] for i in positions)
    tangents = tuple(B.tensor(rng.uniform(-1, 1, tuple(p.shape)), dtype=p.dtype) for p in primals)

    def f(*ps: Any) -> Any:
        filled = list(slots)
        for i, p in zip(positions, ps):
            filled[i] = p
        out = fn(*filled, **kwargs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        return tuple(o for o in outs if isinstance(o, B.Tensor) and o.is_floating_point())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, tan = B.func.jvp(f, primals, tangents)
    return [np.asarray(o.detach().numpy()) for o in out], [np.asarray(t.detach().numpy()) for t in tan]


def entry_results(op: Any, T: Any, G: Any) -> str:
    """PASS, FAIL: reason, or SKIP: reason for one op_db entry in float64."""
    if not op.supports_forward_ad or T.float64 not in op.supported_dtypes("cpu"):
        return "SKIP: no forward AD in float64"
    fn_g = _gradsh_callable(op, G)
    if fn_g is None:
        return "SKIP: not in gradsh"
    T.manual_seed(0)
    samples = list(op.sample_inputs("cpu", T.float64, requires_grad=False))[:MAX_SAMPLES]
    ran = 0
    for s in samples:
        try:
            ref = _jvp(T, op.op, s.input, tuple(s.args), dict(s.kwargs))
        except Exception:  # noqa: BLE001, S112 - a sample PyTorch itself cannot push forward is left out
            continue
        try:
            got = _jvp(G, fn_g, _convert(s.input, T, G), _convert(tuple(s.args), T, G), {
                k: _convert(v, T, G) for k, v in s.kwargs.items()})
        except AttributeError as e:
            if "does not implement" in str(e):
                return f"SKIP: {str(e).splitlines()[0][:80]}"
            return f"FAIL: {type(e).__name__}: {str(e)[:80]}"
        except Exception as e:  # noqa: BLE001 - reported
            return f"FAIL: {type(e).__name__}: {str(e).splitlines()[0][:80] if str(e) else ''}"
        for kind, rs, gs in (("output", ref[0], got[0]), ("tangent", ref[1], got[1])):
            if len(rs) != len(gs):
                return f"FAIL: {len(gs)} {kind}s, PyTorch {len(rs)}"
            for r, g in zip(rs, gs):
                if r.shape != g.shape or not np.allclose(r, g, rtol=1e-7, atol=1e-9, equal_nan=True):
                    return f"FAIL: {kind} differs"
        ran += 1
    return "PASS" if ran else "SKIP: no sample ran on PyTorch"


def main() -> int:
    import torch as T
    from torch.testing._internal.common_methods_invocations import op_db

    from gradsh import torch as G

    counts: dict[str, int] = {}
    for op in op_db:
        name = op.name + (f".{op.variant_test_name}" if op.variant_test_name else "")
        status = entry_results(op, T, G)
        counts[status.split(":")[0]] = counts.get(status.split(":")[0], 0) + 1
        if not status.startswith("SKIP: no forward") and not status.startswith("SKIP: not in"):
            print(f"{status.split(':')[0]:5} {name}  {status.partition(': ')[2]}")
    print(counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
