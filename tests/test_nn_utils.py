"""torch.nn.utils: clip_grad_norm_ / clip_grad_value_ / parameters_to_vector / vector_to_parameters, against
hand-computed values and against real PyTorch."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

from gradsh import torch

utils = torch.nn.utils


def _param_with_grad(values: list[float], grad: list[float]) -> Any:
    p = torch.nn.Parameter(torch.tensor(values))
    p.grad = torch.tensor(grad)
    return p


def test_clip_grad_norm_scales_all_gradients_by_the_total_norm() -> None:
    a, b = _param_with_grad([0.0, 0.0], [3.0, 0.0]), _param_with_grad([0.0], [4.0])
    total = utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert repr(total) == "tensor(5.)"
    coef = np.float32(1.0) / (np.float32(5.0) + np.float32(1e-6))
    assert a.grad.tolist() == [float(np.float32(3.0) * coef), 0.0]
    assert b.grad.tolist() == [float(np.float32(4.0) * coef)]
    small = _param_with_grad([0.0], [0.5])
    assert utils.clip_grad_norm_(small, 10.0).item() == 0.5 and small.grad.tolist() == [0.5]


def test_norm_types_and_nonfinite_error() -> None:
    p = _param_with_grad([0.0, 0.0, 0.0], [1.0, -2.0, 2.0])
    assert utils.clip_grad_norm_(p, 100.0, norm_type="inf").item() == 2.0
    assert utils.clip_grad_norm_(p, 100.0, norm_type=1).item() == 5.0
    assert utils.get_total_norm([p.grad], 3.0).item() == pytest.approx(17 ** (1 / 3))
    bad = _param_with_grad([0.0], [math.inf])
    with pytest.raises(RuntimeError, match="^The total norm of order 2.0 for gradients from `parameters` is "
                                           "non-finite, so it cannot be clipped."):
        utils.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    assert utils.clip_grad_norm_([torch.nn.Parameter(torch.ones(1))], 1.0).item() == 0.0
    with pytest.warns(UserWarning, match="`parameters` is an empty generator, no gradient clipping will occur."):
        utils.clip_grad_norm_((p for p in []), 1.0)


def test_clip_grad_value_clamps_in_place() -> None:
    p = _param_with_grad([0.0, 0.0, 0.0], [0.5, -3.0, 0.01])
    g = p.grad
    assert utils.clip_grad_value_([p], 0.1) is None
    assert p.grad is g and g.tolist() == pytest.approx([0.1, -0.1, 0.01])


def test_parameters_to_vector_and_back() -> None:
    w, b = torch.nn.Parameter(torch.ones(2, 2)), torch.nn.Parameter(torch.zeros(3))
    v = utils.parameters_to_vector([w, b])
    assert v.tolist() == [1.0] * 4 + [0.0] * 3 and type(v.grad_fn).__name__ == "CatBackward0"
    utils.vector_to_parameters(torch.arange(7.0), [w, b])
    assert w.tolist() == [[0.0, 1.0], [2.0, 3.0]] and b.tolist() == [4.0, 5.0, 6.0]
    assert isinstance(w, torch.nn.Parameter) and w.requires_grad
    with pytest.raises(TypeError, match="^expected torch.Tensor, but got: list$"):
        utils.vector_to_parameters([1.0], [w])


def _clip_run(T: Any) -> list:
    T.manual_seed(0)
    m = T.nn.Sequential(T.nn.Linear(4, 8), T.nn.Tanh(), T.nn.Linear(8, 2))
    x, y = T.randn(16, 4), T.randn(16, 2)
    out = []
    for norm_type, max_norm in ((2.0, 0.5), ("inf", 0.1), (1, 100.0), (3.5, 0.2)):
        m.zero_grad()
        ((m(x) - y) ** 2).mean().backward()
        total = T.nn.utils.clip_grad_norm_(m.parameters(), max_norm, norm_type=norm_type, foreach=True)
        out.append((repr(total), np.concatenate([p.grad.numpy().reshape(-1) for p in m.parameters()])))
    T.nn.utils.clip_grad_value_(m.parameters(), 0.01)
    out.append(("value", np.concatenate([p.grad.numpy().reshape(-1) for p in m.parameters()])))
    return out


@pytest.mark.parity
def test_clipping_matches_pytorch() -> None:
    real = pytest.importorskip("torch")
    if not hasattr(real, "_C"):
        pytest.skip("`import torch` does not give real PyTorch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _clip_run(torch), _clip_run(real)
    for (r1, g1), (r2, g2) in zip(ours, theirs):
        assert r1 == r2
        np.testing.assert_allclose(g1, g2, rtol=1e-5, atol=1e-8)
