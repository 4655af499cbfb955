"""mm's and addmm's (nn.Linear's) gradients: the numpy products of a plain backward give the bits of the
Tensor-op path (taken under create_graph), for random shapes, transposed operands, a broadcast incoming
gradient and inputs of which only some require grad."""

from __future__ import annotations

import numpy as np
import pytest

from gradsh import torch as gtorch


def _grads(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, which: tuple, transpose: bool,
           broadcast: bool, create_graph: bool) -> list:
    a = gtorch.tensor(x, requires_grad=which[0])
    b = gtorch.tensor(w, requires_grad=which[1])
    c = None if bias is None else gtorch.tensor(bias, requires_grad=which[2])
    rhs = b.t() if transpose else b
    out = a @ rhs if c is None else gtorch.addmm(c, a, rhs)
    loss = out.sum() if broadcast else (out * gtorch.tensor(np.cos(np.arange(out.numel())).reshape(out.shape)
                                                              .astype(x.dtype))).sum()
    inputs = [t for t in (a, b, c) if t is not None and t.requires_grad]
    return [g.detach().numpy().tobytes() for g in gtorch.autograd.grad(loss, inputs, create_graph=create_graph)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_plain_matrix_product_gradients_match_the_tensor_path(dtype: str) -> None:
    rng = np.random.default_rng(9)
    for trial in range(120):
        n, k, m = (int(v) for v in rng.integers(1, 70, 3))
        transpose = bool(trial % 2)
        x = rng.standard_normal((n, k)).astype(dtype)
        w = rng.standard_normal((m, k) if transpose else (k, m)).astype(dtype)
        bias = rng.standard_normal(m).astype(dtype) if trial % 3 else None
        which = tuple(bool(v) for v in rng.integers(0, 2, 3))
        if not any(which[:2] if bias is None else which):
            which = (True, True, True)
        broadcast = trial % 4 == 0
        plain = _grads(x, w, bias, which, transpose, broadcast, create_graph=False)
        assert plain == _grads(x, w, bias, which, transpose, broadcast, create_graph=True), (n, k, m, which)
