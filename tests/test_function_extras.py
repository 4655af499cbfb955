"""torch.autograd.Function in full on gradsh against real PyTorch.

setup_context style, mark_dirty (and its version bump), mark_non_differentiable, set_materialize_grads,
once_differentiable, save_for_backward's check, the jvp staticmethod under forward AD, and the conditions
torch.func puts on a Function (setup_context, vmap support).
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

SNIPPETS = {
    "setup_context_style": """
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x.exp()
    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)
    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out
    @staticmethod
    def jvp(ctx, t):
        return t * 2
x = torch.tensor([0., 1.], requires_grad=True)
y = Exp.apply(x)
print(y, y.grad_fn.name(), y.grad_fn)
y.sum().backward()
print(x.grad)
print(torch.func.grad(lambda a: Exp.apply(a).sum())(torch.tensor([0., 1.])))
print(torch.func.vmap(Exp.apply)(torch.ones(2, 2)))
""",
    "mark_dirty": """
class AddOne(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.add_(1)
        ctx.mark_dirty(x)
        return x
    @staticmethod
    def backward(ctx, g):
        return g
a = torch.tensor([1., 2.], requires_grad=True)
b = a * 1
c = AddOne.apply(b)
print(c is b, c, b._version)
c.sum().backward()
print(a.grad)
try: AddOne.apply(a)
except Exception as e: print(type(e).__name__, e)
class NoDirty(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.add_(1)
        return x
    @staticmethod
    def backward(ctx, g):
        return g
d = a * 1
try: print(NoDirty.apply(d))
except Exception as e: print(type(e).__name__, e)
""",
    "mark_non_differentiable": """
class Sort(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        v, i = x.topk(3, largest=False)
        ctx.mark_non_differentiable(i)
        ctx.save_for_backward(i)
        return v, i
    @staticmethod
    def backward(ctx, gv, gi):
        print("gi", gi)
        (i,) = ctx.saved_tensors
        out = torch.zeros_like(gv)
        out[i] = gv
        return out
x = torch.tensor([3., 1., 2.], requires_grad=True)
v, i = Sort.apply(x)
print(v, i, i.requires_grad)
(v * torch.tensor([1., 2., 3.])).sum().backward()
print(x.grad)
""",
    "materialize_once_differentiable_save_checks": """
class Mat(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x.clone(), x.clone()
    @staticmethod
    def backward(ctx, g1, g2):
        print("grads", g1, g2)
        return g1
x = torch.tensor([1., 2.], requires_grad=True)
a, b = Mat.apply(x)
a.sum().backward()
print(x.grad)
class Once(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2
    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g
x = torch.tensor([1., 2.], requires_grad=True)
g, = torch.autograd.grad(Once.apply(x).sum(), x, create_graph=True)
print(g, g.requires_grad)
try: g.sum().backward()
except Exception as e: print(type(e).__name__, e)
class BadSave(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x, 3)
        return x * 1
    @staticmethod
    def backward(ctx, g): return g
try: BadSave.apply(x)
except Exception as e: print(type(e).__name__, e)
""",
    "jvp_staticmethod_and_transforms": """
fwAD = torch.autograd.forward_ad
class Mul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_forward(x, y)
        return x * y
    @staticmethod
    def backward(ctx, g): return g, g
    @staticmethod
    def jvp(ctx, tx, ty):
        x, y = ctx.saved_tensors
        print("jvp got", tx, ty)
        return tx * y + x * ty
class NoJvp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x): return x * 2
    @staticmethod
    def backward(ctx, g): return g
with fwAD.dual_level():
    d = fwAD.make_dual(torch.tensor([1., 2.]), torch.tensor([1., 1.]))
    print(Mul.apply(d, torch.tensor([3., 4.])))
    print(Mul.apply(d, d))
    try: print(NoJvp.apply(d))
    except Exception as e: print(type(e).__name__, e)
for f in [lambda: torch.func.grad(lambda a: NoJvp.apply(a).sum())(torch.ones(2)), lambda: torch.func.vmap(NoJvp.apply)(torch.ones(2,2))]:
    try: f()
    except Exception as e: print(type(e).__name__, e)
print(NoJvp.apply(torch.ones(2)))
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_same_transcript_as_torch(name: str) -> None:
    source = SNIPPETS[name]
    expected = transcript(torch_real, source, with_warnings=False)
    assert "tensor(" in expected
    assert transcript(gtorch, source, with_warnings=False) == expected
