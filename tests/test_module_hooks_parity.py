"""Module hooks against real PyTorch: forward pre/post hooks (always_call ones when forward raises), full
backward hooks and pre-hooks, old-style register_backward_hook with its FutureWarnings, state_dict and
load_state_dict hooks; the order of the calls, their arguments, replaced values and errors.

Each snippet runs on both sides (tests/snippet_parity.py) and must print the same transcript.
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

SNIPPETS = {
    "order_of_every_hook": """
torch.manual_seed(0)
calls = []
def show(t):
    return None if t is None else tuple(t.shape) if isinstance(t, torch.Tensor) else [show(x) for x in t]
net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
for name, m in net.named_children():
    m.register_forward_pre_hook(lambda mod, args, name=name: calls.append(("pre", name, show(args))))
    m.register_forward_hook(lambda mod, args, out, name=name: calls.append(("fwd", name, show(out))))
    m.register_full_backward_pre_hook(lambda mod, go, name=name: calls.append(("bwd-pre", name, show(go))))
    m.register_full_backward_hook(lambda mod, gi, go, name=name: calls.append(("bwd", name, show(gi), show(go))))
net.register_forward_hook(lambda mod, args, kwargs, out: calls.append(("net", sorted(kwargs))), with_kwargs=True)
x = torch.randn(4, 3, requires_grad=True)
y = net(x)
print(y.grad_fn, y.grad_fn.next_functions)
y.sum().backward()
for c in calls:
    print(c)
print(x.grad)
""",
    "hooks_replace_values": """
torch.manual_seed(0)
lin = torch.nn.Linear(2, 2)
lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
lin.register_forward_hook(lambda m, args, out: out + 1)
lin.register_full_backward_pre_hook(lambda m, go: (go[0] * 10,))
lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0 + 1,))
x = torch.ones(3, 2, requires_grad=True)
out = lin(x)
print(out)
out.sum().backward()
print(x.grad, lin.weight.grad)
h = lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
try:
    lin(x).sum().backward()
except Exception as e:
    print(type(e).__name__, e)
h.remove()
lin.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
try:
    lin(x).sum().backward()
except Exception as e:
    print(type(e).__name__, e)
""",
    "no_input_requires_grad": """
torch.manual_seed(0)
lin = torch.nn.Linear(2, 2)
seen = []
lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, tuple(go[0].shape))))
lin(torch.ones(1, 2)).sum().backward()
print(seen)
""",
    "state_dict_hooks": """
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.BatchNorm1d(1))
calls = []
net[0].register_state_dict_pre_hook(lambda m, prefix, keep_vars: calls.append(("pre", prefix, keep_vars)))
net[1].register_state_dict_post_hook(lambda m, sd, prefix, meta: calls.append(("post", prefix, list(sd), meta)))
net.register_load_state_dict_pre_hook(
    lambda m, sd, prefix, meta, strict, missing, unexpected, errors: calls.append(("load-pre", prefix, meta, strict)))
net[0].register_load_state_dict_post_hook(lambda m, keys: calls.append(("load-post", keys)))
sd = net.state_dict()
print(list(sd), sd._metadata)
del sd["1.bias"]
sd["extra"] = torch.zeros(1)
sd["0.extra"] = torch.zeros(1)
print(net.load_state_dict(sd, strict=False))
for c in calls:
    print(c)
net[1].register_state_dict_post_hook(lambda m, sd, prefix, meta: sd)
try:
    net.state_dict()
except Exception as e:
    print(type(e).__name__, e)
""",    "old_style_backward_hook": """
torch.manual_seed(0)
def show(t):
    return None if t is None else tuple(t.shape) if isinstance(t, torch.Tensor) else [show(x) for x in t]
calls = []
lin = torch.nn.Linear(3, 2)
h = lin.register_backward_hook(lambda m, gi, go: calls.append(("old", type(m).__name__, show(gi), show(go))))
x = torch.randn(4, 3, requires_grad=True)
y = lin(x)
print(y.grad_fn)
y.sum().backward()
print(calls)
print(x.grad)
for register in (lin.register_full_backward_hook, lin.register_backward_hook):
    try:
        register(lambda m, gi, go: None)
    except Exception as e:
        print(type(e).__name__, e)
h.remove()
try:
    lin.register_full_backward_hook(lambda m, gi, go: None)
except Exception as e:
    print(type(e).__name__, e)
full = torch.nn.Tanh()
full.register_full_backward_hook(lambda m, gi, go: None)
try:
    full.register_backward_hook(lambda m, gi, go: None)
except Exception as e:
    print(type(e).__name__, e)
""",
    "old_style_backward_hook_replaces_and_warns": """
torch.manual_seed(0)
def show(t):
    return None if t is None else tuple(t.shape) if isinstance(t, torch.Tensor) else [show(x) for x in t]
calls = []
act = torch.nn.Tanh()
act.register_backward_hook(lambda m, gi, go: tuple(g * 10 for g in gi))
x = torch.randn(3, requires_grad=True)
act(x).sum().backward()
print(x.grad)
net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
net.register_backward_hook(lambda m, gi, go: calls.append(("seq", show(gi), show(go))))
z = torch.randn(1, 2, requires_grad=True)
out = net(z)
out.sum().backward()
class Two(torch.nn.Module):
    def forward(self, a):
        return a * 2, a + 1
two = Two()
two.register_backward_hook(lambda m, gi, go: calls.append(("two", show(gi), show(go))))
a, b = two(z)
(a.sum() + b.sum()).backward()
class AsDict(torch.nn.Module):
    def forward(self, a):
        return {"out": a.exp()}
d = AsDict()
d.register_backward_hook(lambda m, gi, go: calls.append(("dict", show(gi), show(go))))
d(z)["out"].sum().backward()
class NoGrad(torch.nn.Module):
    def forward(self, a):
        return a.detach()
ng = NoGrad()
ng.register_backward_hook(lambda m, gi, go: calls.append("never"))
print(ng(z).grad_fn)
for c in calls:
    print(c)
""",
    "always_call_forward_hooks": """
calls = []
class Boom(torch.nn.Module):
    def forward(self, x, scale=1):
        raise ValueError("forward failed")
m = Boom()
m.register_forward_pre_hook(lambda mod, args: calls.append(("pre", len(args))) or (args[0] * 2,))
m.register_forward_pre_hook(lambda mod, args, kwargs: calls.append(("pre-kw", sorted(kwargs))), with_kwargs=True)
m.register_forward_hook(lambda mod, args, out: calls.append("plain, never"))
m.register_forward_hook(lambda mod, args, out: calls.append(("always", args[0].tolist(), out)), always_call=True)
m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(("always-kw", sorted(kwargs), out)),
                        with_kwargs=True, always_call=True)
def fails(mod, args, out):
    raise KeyError("hook failed too")
m.register_forward_hook(fails, always_call=True)
try:
    m(torch.ones(2), scale=3)
except Exception as e:
    print(type(e).__name__, e)
for c in calls:
    print(c)
calls.clear()
ok = torch.nn.Identity()
ok.register_forward_hook(lambda mod, args, out: calls.append(("ran", out.tolist())), always_call=True)
print(ok(torch.ones(1)))
print(calls)
bad = torch.nn.Identity()
bad.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
bad.register_forward_hook(lambda mod, args, out: calls.append(("after bad pre-hook", out)), always_call=True)
try:
    bad(torch.ones(1))
except Exception as e:
    print(type(e).__name__, e)
print(calls)
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_hooks_match_pytorch(name: str) -> None:
    assert transcript(gtorch, SNIPPETS[name]) == transcript(torch_real, SNIPPETS[name])
