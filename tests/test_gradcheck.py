"""Every differentiable op's gradient against central finite differences in float64 (gradsh.testing).

The ops and their inputs come from op_cases.CASES, which test_parity_torch.py runs on real PyTorch too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from op_cases import CASES, Case, params

from gradsh import torch
from gradsh.testing import GradcheckError, gradcheck, gradgradcheck


def _inputs(c: Case) -> list:
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in c.arrays()]


def _fn(c: Case) -> Any:
    return lambda *xs: c.fn(torch, *xs)


@pytest.mark.parametrize("c", params(CASES))
def test_gradcheck(c: Case) -> None:
    assert gradcheck(_fn(c), _inputs(c), eps=c.eps, atol=c.atol)


GRADGRAD = [c for c in CASES if c.gradgrad]


@pytest.mark.parametrize("c", params(GRADGRAD))
def test_gradgradcheck(c: Case) -> None:
    assert gradgradcheck(_fn(c), _inputs(c), eps=c.eps, atol=c.atol)


COPYSLICES = [c for c in CASES if c.name in ("setitem_row", "view_inplace_copyslices")]


@pytest.mark.parametrize("c", params(COPYSLICES))
def test_gradgradcheck_through_copyslices(c: Case) -> None:
    assert gradgradcheck(_fn(c), _inputs(c), eps=c.eps, atol=c.atol)


def test_gradcheck_catches_a_wrong_formula() -> None:
    """The helper itself: a node whose backward is off by a factor is reported."""
    x = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)

    def wrong(t: Any) -> Any:
        y = t * 2
        y.register_hook(lambda g: g * 3)
        return y

    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(wrong, [x])
    assert gradcheck(lambda t: t * 2, [x])


def test_gradcheck_passes_non_tensor_arguments_and_skips_constant_inputs() -> None:
    x = torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([1.0, 2.0], dtype=torch.float64)
    assert gradcheck(lambda t, k, c: (t * c).sum(k), [x, 1, w])


def test_gradcheck_wants_float64() -> None:
    x = torch.tensor([0.5], requires_grad=True)
    with pytest.raises(GradcheckError, match="float64"):
        gradcheck(lambda t: t * 2, [x])


def test_case_inputs_avoid_kinks() -> None:
    for c in CASES:
        if c.kink:
            assert all(np.all(np.abs(a) >= 0.1) for a in c.arrays()), c.name
