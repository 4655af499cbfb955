"""gradsh against PyTorch's own op_db, module_db and optim_db: one test per entry of tests/parity/must_pass.txt.

A listed entry must PASS: every sample of it that can run gives what PyTorch gives (values at
assert_close's tolerance, dtypes, requires_grad, grad_fn names, first-order gradients; where PyTorch
raises, the same error type and first line). `python scripts/parity_status.py` shows what can be added.
The tests at the end check that the harness fails a backend that differs from PyTorch in each of those.
Skipped cleanly without torch or expecttest (PyTorch's test databases import it).
"""

from __future__ import annotations

import types
from typing import Any

import pytest
from parity.entries import Entry, read_list, run_entry

from gradsh import torch as gtorch
from gradsh.engine import exact_math

pytest.importorskip("torch")
pytest.importorskip("expecttest")  # PyTorch's test databases import it

pytestmark = pytest.mark.parity

LISTED = read_list()
# LBFGS amplifies the last bits of tanh and of sums: it matches PyTorch only with MKL's math (the `exact` extra)
NEEDS_EXACT = {"LBFGS"}


@pytest.mark.parametrize(("where", "entry"), LISTED, ids=[entry.test_id for _, entry in LISTED])
def test_listed_entry_passes(where: str, entry: Entry) -> None:
    if entry.name in NEEDS_EXACT and not exact_math.available():
        pytest.skip(f"{entry.name} matches PyTorch with the exact extra only: {exact_math.why_not()}")
    try:
        verdict = run_entry(entry, gtorch)
    except LookupError as e:
        pytest.fail(f"{where}: {e}")
    assert verdict.status == "PASS", f"{where}: {entry}: {verdict}"


class Patched:
    """A backend namespace: `base` with some names replaced."""

    def __init__(self, base: Any, **replaced: Any) -> None:
        self._base = base
        self.__dict__.update(replaced)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)


def verdict_on(backend: Any, line: str) -> Any:
    kind, dtype, name = line.split()
    return run_entry(Entry(kind, dtype, name), backend)


def test_the_real_backend_passes_the_entries_the_broken_ones_fail() -> None:
    for line in ("opinfo float64 add", "opinfo float64 sub", "moduleinfo float64 nn.Linear", "optiminfo float64 SGD"):
        assert verdict_on(gtorch, line).status == "PASS", line


def test_a_value_off_by_a_little_fails() -> None:
    backend = Patched(gtorch, add=lambda a, b, alpha=1: gtorch.add(a, b, alpha=alpha * 1.001))
    verdict = verdict_on(backend, "opinfo float64 add")
    assert verdict.status in ("FAIL", "PARTIAL") and "values differ" in verdict.reason


def test_another_grad_fn_fails() -> None:
    backend = Patched(gtorch, sub=lambda a, b, alpha=1: gtorch.add(a, b, alpha=-alpha))
    verdict = verdict_on(backend, "opinfo float64 sub")
    assert verdict.status in ("FAIL", "PARTIAL") and "grad_fn SubBackward0 (torch) vs AddBackward0" in verdict.reason


def test_another_dtype_fails() -> None:
    backend = Patched(gtorch, add=lambda a, b, alpha=1: gtorch.add(a, b, alpha=alpha).double())
    verdict = verdict_on(backend, "opinfo float32 add")
    assert verdict.status in ("FAIL", "PARTIAL") and "dtype float32 (torch) vs float64" in verdict.reason


def test_a_wrong_gradient_fails() -> None:
    def doubled_grad(*args: Any, **kwargs: Any) -> Any:
        return tuple(None if g is None else g * 2 for g in gtorch.autograd.grad(*args, **kwargs))

    backend = Patched(gtorch, autograd=Patched(gtorch.autograd, grad=doubled_grad))
    verdict = verdict_on(backend, "opinfo float64 mul")
    assert verdict.status in ("FAIL", "PARTIAL") and verdict.reason.split(" ", 1)[1].startswith("grad[")


def test_the_real_backend_passes_complex_entries() -> None:
    for line in ("opinfo complex64 mul", "opinfo complex128 pow", "opinfo complex128 mH", "opinfo complex64 var"):
        assert verdict_on(gtorch, line).status == "PASS", line


def test_a_complex_value_conjugated_fails() -> None:
    backend = Patched(gtorch, mul=lambda a, b: gtorch.mul(a, b).conj())
    verdict = verdict_on(backend, "opinfo complex128 mul")
    assert verdict.status in ("FAIL", "PARTIAL") and "values differ" in verdict.reason


def test_a_complex_gradient_without_pytorchs_conjugation_fails() -> None:
    # autograd's convention for complex inputs is the conjugate Wirtinger derivative: its conjugate is wrong
    def conjugated_grad(*args: Any, **kwargs: Any) -> Any:
        return tuple(None if g is None else g.conj() for g in gtorch.autograd.grad(*args, **kwargs))

    backend = Patched(gtorch, autograd=Patched(gtorch.autograd, grad=conjugated_grad))
    verdict = verdict_on(backend, "opinfo complex128 mul")
    assert verdict.status in ("FAIL", "PARTIAL") and verdict.reason.split(" ", 1)[1].startswith("grad[")
    assert verdict_on(backend, "opinfo float64 mul").status == "PASS"  # conj is the identity on real gradients


def test_a_module_with_another_forward_fails() -> None:
    class ShiftedLinear(gtorch.nn.Linear):
        def forward(self, input: Any) -> Any:  # PyTorch's parameter name: samples pass it by keyword
            return super().forward(input) + 1e-3

    backend = Patched(gtorch, nn=Patched(gtorch.nn, Linear=ShiftedLinear))
    verdict = verdict_on(backend, "moduleinfo float64 nn.Linear")
    assert verdict.status in ("FAIL", "PARTIAL") and "out: values differ" in verdict.reason


def test_an_optimizer_with_another_step_fails() -> None:
    class SlowerSGD(gtorch.optim.SGD):
        def __init__(self, params: Any, lr: float = 1e-3, **kwargs: Any) -> None:
            super().__init__(params, lr=lr * 0.99, **kwargs)

    backend = Patched(gtorch, optim=Patched(gtorch.optim, SGD=SlowerSGD))
    verdict = verdict_on(backend, "optiminfo float64 SGD")
    assert verdict.status in ("FAIL", "PARTIAL") and "step 1:" in verdict.reason


def test_an_optimizer_that_accepts_a_bad_argument_fails_its_error_inputs() -> None:
    import torch

    class LenientSGD(torch.optim.SGD):
        def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0, **kwargs: Any) -> None:
            super().__init__(params, lr=lr, momentum=abs(momentum), **kwargs)

    assert verdict_on(torch, "optimerrors float64 SGD").status == "PASS"  # the harness's self-check
    verdict = verdict_on(Patched(torch, optim=Patched(torch.optim, SGD=LenientSGD)), "optimerrors float64 SGD")
    assert verdict.status == "PARTIAL" and verdict.reason.endswith("want ValueError /Invalid momentum value: -0.5/")


def test_a_scheduler_with_another_rate_fails() -> None:
    import torch

    class FasterExponentialLR(torch.optim.lr_scheduler.ExponentialLR):
        def __init__(self, optimizer: Any, gamma: float, **kwargs: Any) -> None:
            super().__init__(optimizer, gamma * 0.99, **kwargs)

    assert verdict_on(torch, "lrscheduler float64 ExponentialLR").status == "PASS"  # the harness's self-check
    schedulers = Patched(torch.optim.lr_scheduler, ExponentialLR=FasterExponentialLR)
    verdict = verdict_on(
        Patched(torch, optim=Patched(torch.optim, lr_scheduler=schedulers)), "lrscheduler float64 ExponentialLR"
    )
    assert verdict.status == "FAIL" and "step 1: get_last_lr()" in verdict.reason


def test_a_class_the_backend_lacks_is_missing() -> None:
    backend = Patched(gtorch, nn=types.SimpleNamespace())
    assert verdict_on(backend, "moduleinfo float64 nn.Linear").status == "MISSING"


def test_an_unknown_entry_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="no entry named 'no_such_op'"):
        verdict_on(gtorch, "opinfo float32 no_such_op")
