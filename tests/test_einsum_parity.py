"""torch.einsum against real torch 2.13: values, the output's node and gradients, scalar outputs included."""

import numpy as np
import pytest
from snippet_parity import real_torch

import gradsh.torch as gtorch

REAL_TORCH = real_torch()

EQUATIONS = [
    ("i,i->", [(3,), (3,)]),
    ("ij,ij->", [(3, 2), (3, 2)]),
    ("ij,j->", [(3, 2), (2,)]),
    ("ij,j", [(3, 2), (2,)]),
    ("bi,bi->b", [(4, 3), (4, 3)]),
    ("i,j->", [(3,), (2,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ii->", [(3, 3)]),
    ("ij->", [(3, 2)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
]


def _run(torch, equation: str, shapes: list) -> tuple:
    torch.manual_seed(0)
    operands = [torch.randn(*shape, dtype=torch.float64, requires_grad=True) for shape in shapes]
    out = torch.einsum(equation, *operands)
    out.sum().backward()
    return (tuple(out.shape), out.detach().numpy().tolist(), type(out.grad_fn).__name__,
            [o.grad.numpy().tolist() for o in operands])


@pytest.mark.parity
@pytest.mark.parametrize(("equation", "shapes"), EQUATIONS, ids=[e for e, _ in EQUATIONS])
def test_einsum_matches_torch(equation, shapes):
    if REAL_TORCH is None:
        pytest.skip("needs real PyTorch")
    ours, theirs = _run(gtorch, equation, shapes), _run(REAL_TORCH, equation, shapes)
    assert ours[0] == theirs[0] and ours[2] == theirs[2]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-12)
    for g, h in zip(ours[3], theirs[3]):
        np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("equation", "shapes"), EQUATIONS, ids=[e for e, _ in EQUATIONS])
def test_einsum_runs_every_equation(equation, shapes):
    # a scalar output once reshaped to view() with no sizes at all and raised a TypeError
    _, _, _, grads = _run(gtorch, equation, shapes)
    assert len(grads) == len(shapes)
