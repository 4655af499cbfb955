"""Complex gradients of prod, cumprod, vdot, addcmul/addcdiv, dist, svd and the norms against real PyTorch:
PyTorch's convention (the conjugate Wirtinger derivative: each local derivative enters conjugated), the norms'
real result dtype, and the formulas in PyTorch's order of operations. Each snippet runs on both sides
(tests/snippet_parity.py) and must print the same transcript.
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

_SETUP = """
def mk(rows, cols):
    return torch.tensor([[complex(1 + i, -0.5 * i + j) for j in range(cols)] for i in range(rows)],
                        dtype=torch.complex128)
A = mk(3, 3) + torch.eye(3, dtype=torch.complex128) * (2 - 1j)
Z = torch.tensor([[1 + 1j, 0, 2 - 1j], [0, 0, 1j], [3, 1, 1]], dtype=torch.complex128)
v, w = mk(1, 4)[0], mk(2, 4)[1]
def run(name, f, *inputs, rounded=False):
    inputs = [t.clone().requires_grad_() for t in inputs]
    try:
        y = f(*inputs)
    except Exception as e:
        print(name, type(e).__name__, e)
        return
    print(name, y, y.grad_fn)
    loss = (y * (0.5 - 0.25j)).real.sum() if y.is_complex() else (y * torch.arange(1., y.numel() + 1).view(y.shape)).sum()
    for g in torch.autograd.grad(loss, inputs):
        # rounded: a gradient whose exact value has zeros LAPACK leaves as noise of either sign
        print('  ', torch.view_as_real(g).mul(1e8).round().div(1e8) + 0.0 if rounded else g)
"""

SNIPPETS = {
    "products": _SETUP + """
run('prod', lambda a: a.prod(), A)
run('prod_dim', lambda a: a.prod(0), A)
run('prod_one_zero', lambda a: a.prod(), Z * (Z != 0) + (Z == 0) * torch.tensor([[1, 1, 1], [1, 0, 1], [1, 1, 1]]))
run('prod_zeros', lambda a: a.prod(), Z)
run('prod_dim_zeros', lambda a: a.prod(1, keepdim=True), Z)
run('cumprod', lambda a: a.cumprod(0), A)
run('cumprod_zeros', lambda a: a.cumprod(1), Z)
run('vdot', torch.vdot, v, w)
run('dot', torch.dot, v, w)
run('addcmul', lambda a, b, c: torch.addcmul(a, b, c, value=0.5 - 1j), v, w, v * 2)
run('addcmul_real_value', lambda a, b, c: torch.addcmul(a, b, c, value=2), v, w, v * 2)
run('addcdiv', lambda a, b, c: torch.addcdiv(a, b, c, value=0.5 - 1j), v, w, v * 2)
""",
    "vector_norms": _SETUP + """
for o in [2, 1, 3, 1.5, 0.5, float('inf'), -float('inf'), 0]:
    run(f'vector_norm {o}', lambda a: torch.linalg.vector_norm(a, o), A)
    run(f'vector_norm {o} dim', lambda a: torch.linalg.vector_norm(a, o, dim=1), A)
run('norm', lambda a: torch.norm(a), A)
run('norm dim', lambda a: torch.norm(a, dim=0), A)
run('linalg.norm vector', lambda a: torch.linalg.norm(a, 3, dim=1), A)
run('dist', lambda a, b: torch.dist(a, b, 3), v, w)
run('dist inf', lambda a, b: torch.dist(a, b, float('inf')), v, w)
run('vector_norm at zero', lambda a: torch.linalg.vector_norm(a, 1.5), Z)
""",
    "matrix_norms_and_svd": _SETUP + """
for o in ['fro', 'nuc', 2, -2, 1, -1, float('inf'), -float('inf')]:
    run(f'matrix_norm {o}', lambda a: torch.linalg.matrix_norm(a, o), A)
run('norm nuc', lambda a: torch.norm(a, 'nuc'), A)
run('linalg.norm 2', lambda a: torch.linalg.norm(a, 2), A)
run('svdvals', torch.linalg.svdvals, A)
U, S, V = torch.svd(A.clone().requires_grad_())
print(S.dtype, V.grad_fn, V.grad_fn.next_functions[0][0])
run('svd invariant', lambda a: (lambda u, s, vh: (u @ torch.diag(s).to(a.dtype) @ vh).abs().sum())(
    *torch.linalg.svd(a, full_matrices=False)), A, rounded=True)
run('svd phase', lambda a: torch.linalg.svd(a)[0].sum().abs(), A)
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_complex_gradients_match_pytorch(name: str) -> None:
    assert transcript(gtorch, SNIPPETS[name]) == transcript(torch_real, SNIPPETS[name])
