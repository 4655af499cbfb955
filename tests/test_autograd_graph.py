"""torch.autograd.graph on gradsh against real PyTorch: node API, hook order, saved tensors and their hooks.

Each snippet runs on both (tests/snippet_parity.py) and must print the same transcript: values, node names,
the order and arguments of hook calls, error messages.
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

SNIPPETS = {
    "saved_tensors_hooks_tutorial": """
torch.manual_seed(0)
a = torch.randn(5, requires_grad=True)
y = a.exp()
print(y.equal(y.grad_fn._saved_result))
print(y is y.grad_fn._saved_result)
x = torch.randn(5, requires_grad=True)
y = x.pow(2)
print(x.equal(y.grad_fn._saved_self))
print(x is y.grad_fn._saved_self)
y = x.pow(2)
y.sum().backward()
try: y.grad_fn._saved_self
except RuntimeError as e: print(e)
x = torch.randn(5, requires_grad=True)
y = x.pow(2)
y.grad_fn._raw_saved_self.register_hooks(lambda x: print("Packing", x) or x, lambda x: print("Unpacking", x) or x)
print(y.grad_fn._saved_self)
y.sum().backward()
def pack_hook(x):
    print("Packing", x)
    return x
def unpack_hook(x):
    print("Unpacking", x)
    return x
a = torch.ones(5, requires_grad=True)
b = torch.ones(5, requires_grad=True) * 2
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    y = a * b
y.sum().backward()
x = torch.randn(5, requires_grad=True)
y = x.pow(2)
y.grad_fn._raw_saved_self.register_hooks(lambda x: x, lambda x: x)
try: y.grad_fn._raw_saved_self.register_hooks(lambda x: x, lambda x: x)
except RuntimeError as e: print(e)
try:
    y = x.sin()
    y.grad_fn._raw_saved_self.register_hooks(lambda x: 1, lambda x: 2)
    y.sum().backward()
except Exception as e: print(type(e).__name__, e)
print(x.grad is None)
def pack_hook(x):
    print("Packing", x.grad_fn, x.requires_grad)
    return x.detach()
with torch.autograd.graph.saved_tensors_hooks(pack_hook, lambda p: p):
    z = x.exp() * x
z.sum().backward()
print(torch.allclose(x.grad, (x.exp() * (x + 1))))
""",
    "hook_errors_and_removal": """
a = torch.tensor([1., 2.], requires_grad=True)
for f in [lambda: torch.ones(2).register_hook(print), lambda: (a * 2).register_post_accumulate_grad_hook(print),
          lambda: (a*2).grad_fn.register_hook(3), lambda: (a*2).grad_fn.register_prehook(None)]:
    try: print(f())
    except Exception as e: print(type(e).__name__, e)
b = a * 2
b.register_hook(lambda g: g[:1])
try: b.sum().backward()
except Exception as e: print(type(e).__name__, e)
c = a * 3
c.grad_fn.register_hook(lambda gi, go: (gi[0] * 0, None))
c.sum().backward()
print(a.grad)
d = a * 4
d.grad_fn.register_hook(lambda gi, go: (gi[0],))
try: d.sum().backward()
except Exception as e: print(type(e).__name__, e)
e = a * 5
acc = e.grad_fn.next_functions[0][0]
h = acc.register_prehook(lambda g: (g[0] * 100,))
a.grad = None
e.sum().backward()
print(a.grad)
h.remove()
f = a.exp()
def once(g):
    print("once", g)
    hh.remove()
hh = f.register_hook(once)
f.sum().backward(retain_graph=True)
f.sum().backward()
x = torch.tensor([1., 2.], requires_grad=True)
y = x * x
y.register_hook(lambda g: print("y hook", g))
gx, = torch.autograd.grad(y.sum(), x, create_graph=True)
print(gx)
gx.sum().backward()
print(x.grad)
""",
    "allow_mutation_on_saved_tensors": """
with torch.autograd.graph.allow_mutation_on_saved_tensors() as ctx:
    print(ctx)
    a = torch.ones(2, requires_grad=True)
    b = a.clone()
    out = (b**2).sum()
    b.sin_()
    e = b.exp()
    b.mul_(2)
    (out + e.sum()).backward()
    print(a.grad)
try: out.backward()
except Exception as e: print(type(e).__name__, e)
with torch.autograd.graph.allow_mutation_on_saved_tensors() as ctx:
    a = torch.ones(2, requires_grad=True)
    b = a.clone()
    out = (b**2).sum()
try: out.backward(); print(a.grad)
except Exception as e: print(type(e).__name__, e)
try:
    with torch.autograd.graph.allow_mutation_on_saved_tensors() as ctx:
        with torch.autograd.graph.allow_mutation_on_saved_tensors() as ctx: pass
except Exception as e: print(type(e).__name__, e)
""",
    "saved_result_after_free": """
a = torch.tensor([1., 2.], requires_grad=True)
for y in (a.exp(), a.sin(), a.sigmoid(), a.abs()):
    names = [n for n in dir(y.grad_fn) if n.startswith("_saved")]
    y.sum().backward()
    for n in names:
        try: print(y.grad_fn.name(), n, getattr(y.grad_fn, n))
        except RuntimeError as e: print(y.grad_fn.name(), n, str(e)[:40])
""",
    "public_names": """
x = torch.ones(2)
print(torch.is_inference(x))
with torch.inference_mode():
    y = torch.ones(2)
print(torch.is_inference(y), y.is_inference())
print(torch.autograd.is_multithreading_enabled())
with torch.autograd.set_multithreading_enabled(False):
    print(torch.autograd.is_multithreading_enabled())
print(torch.autograd.is_multithreading_enabled())
print(torch.autograd.Variable is torch.Tensor, isinstance(x, torch.autograd.Variable))
v = torch.autograd.Variable(torch.ones(2), requires_grad=True)
print(v, type(v).__name__)
print(torch.is_grad_enabled())
print(torch.autograd.is_view_replay_enabled())
try: torch.is_inference(3)
except Exception as e: print(type(e).__name__, e)
print(isinstance(x.requires_grad_().mul(2).grad_fn, torch.autograd.graph.Node))
""",
    "hook_order_nonleaf": """
a = torch.tensor([1., 2.], requires_grad=True)
b = a * 2
c = b.exp()
b.register_hook(lambda g: print("tensor hook 1", g))
b.retain_grad()
b.register_hook(lambda g: print("tensor hook 2", g) or g * 2)
b.grad_fn.register_prehook(lambda go: print("node prehook", go))
b.grad_fn.register_hook(lambda gi, go: print("node hook", gi, go))
a.register_hook(lambda g: print("leaf hook", g))
a.register_post_accumulate_grad_hook(lambda t: print("post acc", t.grad))
c.sum().backward()
print(b.grad, a.grad)
""",
    "hooks_output_without_grad": """
x = torch.tensor([1., 2., 3., 4.], requires_grad=True)
p, q = x.split(2)
p.register_hook(lambda g: print("p hook", g))
q.register_hook(lambda g: print("q hook", g))
p.grad_fn.register_prehook(lambda go: print("prehook", go))
p.grad_fn.register_hook(lambda gi, go: print("hook", gi, go))
p.sum().backward()
""",
    "node_prehook_replaces": """
a = torch.tensor([1., 2.], requires_grad=True)
b = a * 3
b.grad_fn.register_prehook(lambda go: (go[0] * 10,))
h = b.grad_fn.register_hook(lambda gi, go: print(len(gi), len(go)))
b.sum().backward()
print(a.grad)
print(type(h).__name__)
""",
    "node_name_metadata": """
a = torch.tensor([1., 2.], requires_grad=True)
b = a.exp()
print(b.grad_fn.name(), b.grad_fn.next_functions, b.grad_fn.metadata)
print(b.grad_fn.next_functions[0][0].name(), b.grad_fn.next_functions[0][0].variable is a)
b.grad_fn.metadata["x"] = 1
print(b.grad_fn.metadata)
""",
    "saved_after_free_scalar": """
a = torch.tensor([1., 2.], requires_grad=True)
b = (a * 2)
b.grad_fn.register_hook(lambda *x: None)
print(b.grad_fn._saved_other, b.grad_fn._saved_self)
b.sum().backward()
print(b.grad_fn._saved_self)
print(b.grad_fn._saved_other)
""",
    "saved_attributes_by_node": """
a = torch.tensor([1., 2.], requires_grad=True); b = torch.tensor([3., 4.])
for expr in ["a*b", "a/b", "a.exp()", "a.sin()", "a.pow(2)", "a.sum()", "a.mean()", "a@b", "a.relu()", "a.sigmoid()", "a.tanh()", "a+b", "a.view(2,1)", "a[0]", "torch.nn.functional.mse_loss(a,b)", "a.max()", "a.clamp(0,1)", "a.log()", "a.sqrt()", "a.sum(0)", "a.softmax(0)", "a.t()" , "a.unsqueeze(0)", "a.expand(2,2)"]:
    fn = eval(expr).grad_fn
    names = sorted(x for x in dir(fn) if x.startswith('_saved') or x.startswith('_raw_saved'))
    print(expr, fn.name(), names)
    for n in names:
        if n.startswith("_saved"): print("  ", n, repr(getattr(fn, n)))
""",
    "saved_tensors_hooks_pack_unpack": """
a = torch.tensor([1.,2.], requires_grad=True)
def pack(x): print("pack", x); return x
def unpack(x): print("unpack", x); return x
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    y = a.exp()
    z = a * a
print(y.grad_fn._saved_result)
print(z.grad_fn._saved_self is a, z.grad_fn._raw_saved_self)
(y.sum()+z.sum()).backward()
print(a.grad)
with torch.autograd.graph.saved_tensors_hooks(lambda x: 1, lambda x: 5):
    y = a.exp()
try: y.grad_fn._saved_result
except Exception as e: print(type(e).__name__, e)
with torch.autograd.graph.disable_saved_tensors_hooks("nope"):
    try:
        with torch.autograd.graph.save_on_cpu(): pass
    except Exception as e: print(type(e).__name__, e)
    y = a.exp()
""",
    "save_on_cpu_gradient_edge": """
x = torch.tensor([1., 2.], requires_grad=True)
with torch.autograd.graph.save_on_cpu():
    y = (x * x).sin()
y.sum().backward()
print(x.grad)
print(torch.autograd.graph.get_gradient_edge(y))
e = torch.autograd.graph.get_gradient_edge(x)
print(e.node.name(), e.output_nr, e)
print(torch.autograd.grad(y.sum(), e))
""",
    "multi_grad_hook": """
a = torch.tensor([1., 2.], requires_grad=True)
b = torch.tensor([3., 4.], requires_grad=True)
c = a * 2
d = b * 3
h = torch.autograd.graph.register_multi_grad_hook((a, b, c), lambda gs: print("all", gs))
h2 = torch.autograd.graph.register_multi_grad_hook((a, b), lambda g: print("any", g), mode="any")
(c.sum() + d.sum()).backward()
c.sum().backward()
torch.autograd.grad(d.sum(), b)
h.remove(); h2.remove()
(c.sum()*2).backward()
try: torch.autograd.graph.register_multi_grad_hook((a,), print, mode="x")
except Exception as e: print(type(e).__name__, e)
""",
    "increment_version": """
x = torch.tensor([1., 2.], requires_grad=True)
y = x * x
torch.autograd.graph.increment_version(x)
print(x._version)
try: y.sum().backward()
except Exception as e: print(type(e).__name__, e)
try: torch.autograd.graph.get_gradient_edge(torch.ones(2))
except Exception as e: print(type(e).__name__, e)
""",
    "grad_to_gradient_edge": """
x = torch.tensor([1., 2.], requires_grad=True)
y = (x * x).sin()
e = torch.autograd.graph.get_gradient_edge(x)
m = x * x
print(torch.autograd.grad(m.sum(), torch.autograd.graph.get_gradient_edge(m), retain_graph=True))
print(torch.autograd.grad(y.sum(), e))
print(torch.autograd.grad(y.sum(), [e]))
""",
    "accumulate_grad_node_hooks": """
a = torch.tensor([1., 2.], requires_grad=True)
acc = (a * 2).grad_fn.next_functions[0][0]
acc.register_prehook(lambda g: print("acc pre", g))
acc.register_hook(lambda gi, go: print("acc post", gi, go))
(a * 2).sum().backward()
print(acc.name(), acc.metadata, acc.next_functions)
""",
    "function_saved_tensors": """
class F(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y
    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, g * x
a = torch.tensor([1., 2.], requires_grad=True)
out = F.apply(a, a * 3)
print(out.grad_fn.name(), out.grad_fn.next_functions)
print(out.grad_fn.saved_tensors)
out.sum().backward()
try: out.grad_fn.saved_tensors
except Exception as e: print(type(e).__name__, e)
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_same_transcript_as_torch(name: str) -> None:
    source = SNIPPETS[name]
    expected = transcript(torch_real, source)
    assert expected.strip()  # the snippet shows something to compare
    assert transcript(gtorch, source) == expected
