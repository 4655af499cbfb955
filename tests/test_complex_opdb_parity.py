"""Complex tensors where PyTorch's op_db (tests/test_parity_db.py) does not reach: printed results with their
grad_fn, edge cases of pow's gradients (a 0 or negative number base, a complex exponent of a real base), the
sign's gradient of slogdet, complex random draws after manual_seed, and the errors PyTorch raises for complex
dtypes it does not support. Each snippet runs on both sides (tests/snippet_parity.py), same transcript.
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

_SETUP = """
def _rounded(t):
    # exact zeros come out of BLAS and LAPACK as noise of either sign and size
    t = t.detach()
    return (torch.view_as_real(t) if t.is_complex() else t).mul(1e6).round().div(1e6) + 0.0
def grads(name, f, *inputs):
    inputs = [t.clone().requires_grad_() for t in inputs]
    try:
        y = f(*inputs)
        print(name, _rounded(y), y.grad_fn)
        loss = (y * (0.5 - 0.25j)).real.sum() if y.is_complex() else y.sum()
        for g in torch.autograd.grad(loss, inputs):
            print('  ', _rounded(g))
    except Exception as e:
        print(name, type(e).__name__, e)
z = torch.tensor([1 + 2j, 3 - 4j, -0.5 + 0.25j])
"""

SNIPPETS = {
    "printed_with_grad_fn": """
x = torch.tensor([1 + 2j, 3 - 4j], requires_grad=True)
print(x * 2)
print(x.conj(), x.real, x.imag, x.abs(), x.angle())
print(torch.tensor([[1 + 2j, 3 - 4j], [0.5j, 2 + 0j]], requires_grad=True).mH)
print(torch.tensor([[1 + 2j, 3 - 4j], [0.5j, 2 + 0j]], requires_grad=True).H)
print(torch.tensor([[1 + 2j, 3 - 4j]], dtype=torch.complex128, requires_grad=True).mT)
print(x.var(), x.std(), torch.logsumexp(x, 0), x.pow(2 + 1j))
print(torch.tensor(1 + 2j, requires_grad=True).logsumexp(0))
""",
    "pow_gradient_edges": _SETUP + """
y = torch.tensor([0.5, 1.5, 0.0, 2.0])
grads('negative base', lambda e: (-2) ** e, y)
grads('zero base', lambda e: 0 ** e, y)
grads('zero base negative power', lambda e: 0 ** (e - 1), y)
grads('negative base complex power', lambda e: (-2) ** e, z)
grads('complex base', lambda e: (1 - 1j) ** e, y)
grads('tensor pow', lambda a, b: a ** b, z, z.flip(0))
grads('real base complex exponent', lambda a, b: a ** b, torch.tensor([0.0, 2.0, 3.0]), z)
grads('zero base real complex exponent', lambda a, b: a ** b, torch.tensor([0.0, 0.0]), torch.tensor([2 + 0j, 1j]))
""",
    "conjugated_products": _SETUP + """
M = torch.tensor([[1 + 1j, 2 - 1j, 0.5j], [3 + 0j, -1j, 1 - 2j]])
grads('addmm', lambda b, m1, m2: torch.addmm(b, m1, m2, beta=1 - 1j, alpha=2 + 3j), z[:2], M, M.mT)
grads('addmv', lambda b, m, v: torch.addmv(b, m, v, beta=0.5j, alpha=1 + 1j), z[:2], M, z)
grads('addr', lambda b, u, v: torch.addr(b, u, v, alpha=1j), M, z[:2], z)
grads('lerp', lambda a, b, w: torch.lerp(a, b, w), z, z * 1j, z.conj())
grads('lerp number', lambda a, b: torch.lerp(a, b, 0.25 + 0.5j), z, z * 1j)
grads('cross', torch.linalg.cross, z, z * (1 - 1j))
grads('ldexp', torch.ldexp, z, torch.tensor([1 + 1j, 2, -1]))
""",
    "complex_reductions": _SETUP + """
A = torch.tensor([[1 + 2j, 3 - 4j, 0.5j], [2 + 0j, -1 - 1j, 1 + 0.5j]])
grads('var', lambda a: a.var(1), A)
grads('std_mean', lambda a: torch.std_mean(a, 0)[0], A)
grads('logsumexp', lambda a: a.logsumexp(1), A)
grads('logaddexp', torch.logaddexp, A[0], A[1])
print(A.logcumsumexp(1))  # its gradient here meets a PyTorch error about lazy conjugates (the op_db entry passes)
grads('cov', torch.cov, A)
grads('corrcoef', torch.corrcoef, A)
grads('renorm', lambda a: a.renorm(2, 0, 1.0), A)
grads('pairwise_distance', torch.nn.functional.pairwise_distance, A[0], A[1])
print(torch.logaddexp(torch.tensor([float('-inf') + 1j, float('inf') + 1j, float('nan')]),
                      torch.tensor([float('-inf') + 2j, float('inf') + 0j, 1j])))
""",
    "complex_linalg": _SETUP + """
A = torch.tensor([[2 + 1j, 1 - 1j, 0.5], [0.25j, 3 + 0j, 1 + 1j], [1, -1j, 4 - 2j]], dtype=torch.complex128)
H = A + A.mH
s, l = torch.linalg.slogdet(A)
print(s, l)
grads('slogdet sign', lambda a: torch.linalg.slogdet(a)[0], A)
grads('slogdet both', lambda a: (lambda s, l: s * l)(*torch.linalg.slogdet(a)), A)
grads('logdet', torch.logdet, A)
grads('eigvalsh', torch.linalg.eigvalsh, H)
grads('eigh vectors phase', lambda a: torch.linalg.eigh(a)[1], H)
grads('block_diag', lambda a, b: torch.block_diag(a, b), A, torch.tensor([[1.0, 2.0]]))
""",
    "complex_random_draws": """
torch.manual_seed(0)
print(torch.randn(3, dtype=torch.complex64), torch.randn(17, dtype=torch.complex128)[-2:])
print(torch.rand(2, 2, dtype=torch.complex64), torch.randn((), dtype=torch.complex64))
x = torch.empty(4, 5, dtype=torch.complex64).t()
print(x.normal_(1, 2)[0], torch.empty(3, dtype=torch.complex128).uniform_(-1, 2))
print(torch.randn_like(torch.zeros(3, dtype=torch.complex64)), torch.normal(torch.ones(3, dtype=torch.complex64), 1.0))
try:
    torch.normal(torch.zeros(2, dtype=torch.complex64), torch.ones(2, dtype=torch.complex64))
except RuntimeError as e:
    print(e)
""",
    "unsupported_complex": """
for f in (lambda: torch.arange(3, dtype=torch.complex64),
          lambda: torch.logaddexp2(torch.tensor([1j]), torch.tensor([2j])),
          lambda: torch.nn.functional.silu(torch.tensor([1 + 1j], requires_grad=True)),
          lambda: torch.normal(torch.zeros(2, dtype=torch.complex64, requires_grad=True), 1.0)):
    try:
        print(f())
    except Exception as e:
        print(type(e).__name__, e)
with torch.no_grad():
    print(torch.nn.functional.silu(torch.tensor([1 + 1j, -2 + 0.5j], requires_grad=True)))
print(torch.view_as_complex(torch.zeros(1, 0, 3, 2).transpose(0, 2)).shape)
x = torch.zeros(1, 0, 3, dtype=torch.complex64, requires_grad=True)
print(torch.autograd.grad(x.real.sum() + x.imag.sum(), x))
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_complex_results_match_pytorch(name: str) -> None:
    assert transcript(gtorch, SNIPPETS[name]) == transcript(torch_real, SNIPPETS[name])
