"""optim_db's error inputs: one optimizer's bad arguments, checked on the backend as test_optim.py's test_errors does.

Each ErrorOptimizerInput is constructed (CONSTRUCTION_ERROR) or constructed then stepped (STEP_ERROR) on
the backend, which must raise an instance of error_type whose message matches error_regex (re.search),
or, for a Warning error_type, warn with that category and a matching message. PyTorch itself is not run:
the database states what it raises.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import torch

from .convert import Converter
from .optimizers import backend_class
from .optimizers import dtypes as optimizer_dtypes
from .outcome import Sample, Skip, Verdict, call, describe, first_line, is_missing, missing
from .outcome import verdict as summarize

SEED = 0


def entries() -> dict[str, Any]:
    from torch.testing._internal.common_optimizers import optim_db

    return {oi.name: oi for oi in optim_db if oi.optim_error_inputs_func}


def dtypes(oi: Any) -> set[str]:
    return optimizer_dtypes(oi)


def run_case(case: Any, bcls: Any, B: Any) -> Sample:
    from torch.testing._internal.common_optimizers import OptimizerErrorEnum

    inp = case.optimizer_error_input
    conv = Converter(B)
    try:
        params, kwargs = conv(inp.params), conv(dict(inp.kwargs))
    except Skip as e:
        return Sample("SKIPPED", str(e))
    except Exception as e:  # noqa: BLE001 - the backend refused a dtype or a tensor
        return Sample("MISSING" if is_missing(e) else "FAIL", f"convert: {describe(e)}")
    want = f"{case.error_type.__name__} /{case.error_regex}/"
    expect_warning = issubclass(case.error_type, Warning)
    stage = "step" if case.error_on == OptimizerErrorEnum.STEP_ERROR else "init"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            opt = bcls(params, **kwargs)
            if stage == "step":
                caught.clear()
                opt.step()
        except Exception as e:  # noqa: BLE001 - the error to compare
            if is_missing(e):
                return Sample("MISSING", f"{stage}: {first_line(e)}")
            if not expect_warning and isinstance(e, case.error_type) and re.search(case.error_regex, str(e)):
                return Sample("PASS", f"{stage}: {describe(e)}")
            return Sample("FAIL", f"{stage}: raised {describe(e)}; want {want}")
    if not expect_warning:
        return Sample("FAIL", f"{stage}: no error; want {want}")
    if any(issubclass(w.category, case.error_type) and re.search(case.error_regex, str(w.message)) for w in caught):
        return Sample("PASS", f"{stage}: warned {case.error_type.__name__}")
    return Sample("FAIL", f"{stage}: no matching warning; want {want}")


def run(oi: Any, dtype_name: str, B: Any) -> Verdict:
    """The verdict on one optimizer's error inputs in one dtype."""
    bcls, why = backend_class(oi, B)
    if bcls is None:
        return missing(why)
    torch.manual_seed(SEED)
    cases, err = call(lambda: list(oi.optim_error_inputs_func(device="cpu", dtype=getattr(torch, dtype_name))))
    if err is not None:
        return summarize([Sample("SKIPPED", f"optim_error_inputs_func raised {describe(err)}")])
    samples = []
    for case in cases:
        try:
            samples.append(run_case(case, bcls, B))
        except Exception as e:  # noqa: BLE001 - a harness error on one case must not stop the others
            samples.append(Sample("FAIL", f"harness: {describe(e)}"))
    return summarize(samples)
