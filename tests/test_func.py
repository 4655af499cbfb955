"""torch.func on gradsh against real PyTorch: per-sample gradients, Jacobians, Hessians, vmap, module state.

Printed values and error messages must agree (warnings are left out: real torch.func warns about its own
tracing internals, which gradsh has none of).
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

SNIPPETS = {
    "vmap_batched_refusals": """
vmap = torch.func.vmap
x = torch.ones(3, 2)
c = torch.ones(2)
for f in [lambda: vmap(lambda a: a if a.sum() > 0 else -a)(x), lambda: vmap(lambda a: a.sum().item())(x), lambda: vmap(lambda a: float(a.sum()))(x),
          lambda: vmap(lambda a: c.add_(a))(x), lambda: vmap(lambda a: a.add_(c))(x), lambda: vmap(lambda a: (c.sum().item(), a)[1])(x),
          lambda: vmap(lambda a: a.tolist())(x), lambda: vmap(lambda a: int(a[0]))(x), lambda: vmap(lambda a: a.numpy())(x),
          lambda: vmap(lambda a: torch.where(a > 0, a, -a))(x), lambda: vmap(vmap(lambda a: a * 2))(torch.ones(2, 2, 2))]:
    try: print(repr(f()))
    except Exception as e: print(type(e).__name__, e)
print(c, (x > 0).sum().item())
""",
    "vmap_randomness": """
torch.manual_seed(0)
x = torch.ones(3, 2)
print(torch.func.vmap(lambda a: a + torch.rand(2), randomness="same")(x))
print(torch.rand(1))
torch.manual_seed(0)
print(torch.func.vmap(lambda a: a + torch.rand(2), randomness="different")(x))
print(torch.rand(1))
try: torch.func.vmap(lambda a: torch.nn.functional.dropout(a, 0.5))(x)
except Exception as e: print(e)
print(torch.func.vmap(lambda a: a * 2)(x))
""",
    "errors_and_values": """
grad, vmap, vjp, jacrev, jacfwd, hessian, jvp, grad_and_value, functional_call, linearize = (getattr(torch.func, n) for n in "grad vmap vjp jacrev jacfwd hessian jvp grad_and_value functional_call linearize".split())
x = torch.tensor([1., 2., 3.])
for f in [lambda: grad(lambda x: x.sin())(x), lambda: grad(lambda x: 1.0)(x),
                lambda: grad(lambda x: (x.sin().sum(), 3))(x), lambda: grad(lambda x: x.sum(), has_aux=True)(x),
                lambda: vmap(lambda a, b: a*b)(x, torch.ones(2)), lambda: vmap(lambda a: a, in_dims=1)(x),
                lambda: grad(lambda x: x.sum(), argnums=1)(x), lambda: jvp(lambda x: x.sin(), (x,), (x, x)),
                lambda: jvp(lambda x: x.sin(), x, x), lambda: vmap(lambda a: a, in_dims=(0, 0))(x),
                lambda: vjp(lambda x: x.sin(), x)[1](torch.ones(2)), lambda: grad(lambda x: x.sum())(3.0),
                lambda: vmap(lambda a: 3)(x), lambda: grad(lambda x: x.sum())(torch.tensor([1, 2])),
               ]:
    try: print(repr(f()))
    except Exception as e: print(type(e).__name__, e)
print(grad(lambda x: x.sin().sum())(x))
print(grad_and_value(lambda x: (x**2).sum())(x))
print(grad(lambda x, y: (x*y).sum(), argnums=(0,1))(x, x))
print(jacrev(lambda x: x.sin())(x))
print(jacfwd(lambda x: x.sin())(x))
print(hessian(lambda x: x.sin().sum())(x))
print(jvp(lambda x: x.sin(), (x,), (torch.ones(3),)))
print(vjp(lambda x: x.sin(), x)[1](torch.ones(3)))
print(vmap(torch.dot)(torch.ones(2,3), torch.ones(2,3)))
print(vmap(lambda a: a.sum(0), in_dims=1, out_dims=0)(torch.arange(6.).reshape(2,3)))
print(linearize(lambda x: x.sin(), x)[1](torch.ones(3)))
print(grad(grad(lambda x: x.sin()))(torch.tensor(1.)))
w, xg = torch.tensor([1., 2.]), torch.tensor([3., 4.], requires_grad=True)
for f in [lambda w, x: (w * x).sum(), lambda w, x: (w * w).sum() + x.sum(), lambda w, x: (w * w * x).sum()]:
    g = grad(f)(w, xg)  # on xg's graph where it depends on xg
    print(g.requires_grad, type(g.grad_fn).__name__)
""",
    "per_sample_grads_mlp": """
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
params = {k: v.detach() for k, v in model.named_parameters()}
x = torch.randn(5, 3)
y = torch.randn(5, 1)
def loss(p, xi, yi):
    out = torch.func.functional_call(model, p, (xi.unsqueeze(0),))
    return torch.nn.functional.mse_loss(out, yi.unsqueeze(0))
per_sample = torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)
for k, g in per_sample.items():
    print(k, g.shape)
    print(g)
total = sum(loss(params, x[i], y[i]) for i in range(5)) / 5
print(total)
print(model[0].weight.requires_grad, model[0].weight.grad)
""",
    "jacobians_agree": """
torch.manual_seed(1)
x = torch.randn(3, dtype=torch.float64)
W = torch.randn(2, 3, dtype=torch.float64)
def f(x):
    return (W @ x).tanh() * x[:2]
jr = torch.func.jacrev(f)(x)
jf = torch.func.jacfwd(f)(x)
ja = torch.autograd.functional.jacobian(f, x)
print(jr)
print(jf)
print(ja)
print(torch.allclose(jr, jf), torch.allclose(jr, ja))
print(torch.func.jacrev(lambda a, b: (a * b).sum(0), argnums=(0, 1))(W, W))
""",
    "hessian": """
torch.manual_seed(2)
x = torch.randn(3, dtype=torch.float64)
def f(x):
    return (x.sin() * x.exp()).sum() + (x[0] * x[1] * x[2])
print(torch.func.hessian(f)(x))
print(torch.autograd.functional.hessian(f, x))
print(torch.func.jacrev(torch.func.jacrev(f))(x))
""",
    "vjp_jvp_linearize": """
x = torch.tensor([0.5, -1.0, 2.0])
out, fn = torch.func.vjp(lambda a: (a.exp(), a * 2), x)
print(out)
print(fn((torch.ones(3), torch.ones(3))))
print(torch.func.jvp(lambda a, b: a * b, (x, x), (torch.ones(3), torch.zeros(3))))
out, fn = torch.func.linearize(lambda a: a.pow(3), x)
print(out, fn(torch.ones(3)))
print(torch.func.grad(lambda a: a.pow(3).sum(), has_aux=False)(x))
print(torch.func.grad(lambda a: (a.pow(3).sum(), a * 2), has_aux=True)(x))
print(torch.func.grad_and_value(lambda a, b: (a * b).sum(), argnums=1)(x, x))
""",
    "vmap_dims": """
x = torch.arange(6.).reshape(2, 3)
print(torch.func.vmap(lambda a: a * 2)(x))
print(torch.func.vmap(lambda a: a.sum(), in_dims=1)(x))
print(torch.func.vmap(lambda a: a, in_dims=1, out_dims=1)(x))
print(torch.func.vmap(lambda a, b: a + b, in_dims=(0, None))(x, torch.ones(3)))
print(torch.func.vmap(torch.func.vmap(lambda a: a * a))(x))
print(torch.vmap(lambda d: d["a"] * 2)({"a": x}))
c = torch.ones(3)
print(torch.func.vmap(lambda a: (a, c), out_dims=(0, None))(torch.ones(2, 2)))
for bad in [lambda: torch.func.vmap(lambda a: a)(3.0), lambda: torch.func.vmap(lambda a: a, in_dims=None)(x),
            lambda: torch.func.vmap(lambda a: a, randomness="x")(x), lambda: torch.func.vmap(lambda a: a)(),
            lambda: torch.func.vmap(lambda a: a, out_dims=(0, 1))(x),
            lambda: torch.func.vmap(lambda a: (a, a.sum()), out_dims=(0, None))(torch.ones(2, 2))]:
    try: bad()
    except Exception as e: print(type(e).__name__, e)
""",
    "module_state": """
torch.manual_seed(3)
models = [torch.nn.Linear(2, 1) for _ in range(3)]
params, buffers = torch.func.stack_module_state(models)
print({k: (v.shape, v.requires_grad, v.is_leaf) for k, v in params.items()}, buffers)
print(params["weight"])
m = torch.nn.Linear(2, 1)
print(torch.func.functional_call(m, {"weight": torch.ones(1, 2), "bias": torch.zeros(1)}, (torch.ones(2),)))
print(torch.func.functional_call(m, ({"weight": torch.ones(1, 2)}, {"bias": torch.zeros(1)}), torch.ones(2)))
try: torch.func.functional_call(m, {"weight": torch.ones(1, 2), "nope": torch.zeros(1)}, (torch.ones(2),), strict=True)
except Exception as e: print(type(e).__name__, e)
print(m.weight.shape, type(m.weight).__name__)
base = models[0]
def call(p, b, x):
    return torch.func.functional_call(base, (p, b), (x,))
out = torch.func.vmap(call, in_dims=(0, 0, None))(params, buffers, torch.ones(2))
print(out, out.grad_fn.next_functions)
""",
    "vmap_empty_batch": """
z = torch.zeros(0, 3)
print(torch.func.vmap(lambda a: a.sin() * 2)(z))
print(torch.func.vmap(lambda a: a.sum())(z).shape)
print(torch.func.vmap(lambda a, b: (a * b, a.sum()), in_dims=(1, None), out_dims=(1, 0))(torch.zeros(3, 0), torch.ones(3)))
print(torch.func.vmap(torch.func.grad(lambda a: (a * a).sum()))(torch.zeros(0, 4, requires_grad=True)).shape)
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_same_transcript_as_torch(name: str) -> None:
    source = SNIPPETS[name]
    expected = transcript(torch_real, source, with_warnings=False)
    assert "tensor(" in expected
    assert transcript(gtorch, source, with_warnings=False) == expected


def test_results_at_the_outermost_level_are_plain_tensors() -> None:
    x = gtorch.tensor([1.0, 2.0])
    g = gtorch.func.grad(lambda a: (a * a).sum())(x)
    assert not g.requires_grad and g.grad_fn is None
    assert g.tolist() == [2.0, 4.0]
