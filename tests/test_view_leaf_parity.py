"""Views made leaves with requires_grad_() against real PyTorch: a view with no node of its own and its own
requires_grad flag accumulates its gradient in its own .grad (PyTorch's grad_accumulator reads the view's
flag, not its base's); a view that only inherits requires_grad from its base gets nothing.

Each snippet runs on both sides (tests/snippet_parity.py) and must print the same transcript.
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

_SHOW = """
def show(name, t):
    print(name, t.is_leaf, t.grad_fn, t.requires_grad, t._is_view(), t)
"""

SNIPPETS = {
    "slice_and_transpose_leaves": _SHOW + """
b = torch.zeros(4)[1:3]
b.requires_grad_()
show('b', b)
(b * 2).sum().backward()
print(b.grad)
(b * 2).sum().backward()
print(b.grad)
x = torch.ones(2, 3).t().requires_grad_()
show('x', x)
(x * x).sum().backward()
print(x.grad)
e = torch.ones(3).expand(2, 3).requires_grad_()
(e * torch.arange(6.).view(2, 3)).sum().backward()
print(e.grad)
base = torch.zeros(4)
v = base.view(2, 2).requires_grad_()
(v.sum() * 2).backward()
print(v.grad, base.grad, base.requires_grad)
""",
    "views_of_the_leaf_view": _SHOW + """
b = torch.zeros(4)[1:3].requires_grad_()
c = b[0:1]
show('c', c)
(c * 2).sum().backward()
print(b.grad)
print(torch.autograd.grad((b * b + 1).sum(), b))
try:
    c.mul_(2)
except RuntimeError as err:
    print(err)
try:
    b.mul_(2)
except RuntimeError as err:
    print(err)
b.register_hook(lambda g: print('hook', g))
(b * 3).sum().backward()
print(b.grad)
b.requires_grad_(False)
show('b', b)
""",
    "no_grad_views_and_detach": _SHOW + """
a = torch.ones(3, requires_grad=True)
with torch.no_grad():
    v = a[:2]
show('v', v)
(v * 3).sum().backward()
print(v.grad, a.grad)
v.requires_grad_()
(v * 3).sum().backward()
print(v.grad, a.grad)
with torch.no_grad():
    w = torch.ones(3)[:2]
w.requires_grad_()
(w * 4).sum().backward()
print(w.grad)
d = a.detach()[1:]
show('d', d)
d.requires_grad_()
(d * 5).sum().backward()
print(d.grad, a.grad)
e = a.detach().requires_grad_()
show('e', e)
(e * 5).sum().backward()
print(e.grad, a.grad)
""",
    "base_changes_after_the_leaf_view": _SHOW + """
base = torch.zeros(4)
b = base[1:3].requires_grad_()
base.add_(1)
show('b', b)
(b * 2).sum().backward()
print(b.grad)
base = torch.zeros(4)
b = base[1:3].requires_grad_()
base.requires_grad_()
show('b', b)
(b * 2).sum().backward()
print(b.grad, base.grad)
""",
    "nodeless_views_require_grad_through_their_root_only": _SHOW + """
b = torch.zeros(4)[1:3].requires_grad_()
with torch.no_grad():
    c = b[0:1]
show('c', c)
show('c * 2', c * 2)
c = b[0:1]
with torch.no_grad():
    d = c[:]
show('d', d)
a = torch.ones(4, requires_grad=True)
with torch.no_grad():
    p, q = a.split(2)
    r = a.view(2, 2)[0]
show('p', p)
show('r', r)
y = p * q
show('y', y)
y.sum().backward()
print(a.grad, p.grad)
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_view_leaves_match_pytorch(name: str) -> None:
    assert transcript(gtorch, SNIPPETS[name]) == transcript(torch_real, SNIPPETS[name])
