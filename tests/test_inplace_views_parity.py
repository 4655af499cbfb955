"""The in-place view ops (transpose_, swapaxes_, swapdims_, t_, squeeze_, unsqueeze_) against real PyTorch:
the tensor itself changes shape, its version moves on, its node is the in-place twin chained to the old one,
leaves are refused first, and nn.utils.rnn.unpad_sequence transposes the caller's tensor as PyTorch's does.

Each snippet runs on both sides (tests/snippet_parity.py) and must print the same transcript.
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

SNIPPETS = {
    "same_tensor_new_shape": """
x = torch.arange(6.).view(2, 3)
b = x.view(6)
y = x.transpose_(0, 1)
print(y is x, x.shape, x._version, x._base is None, x)
print(x.t_().shape, b._version, x)
print(torch.randn(3).t_().shape, torch.tensor(1.).t_().shape)
z = torch.zeros(2, 1, 3)
print(z.squeeze_(1).shape, z.unsqueeze_(-1).shape, z.swapaxes_(0, 2).shape, z.swapdims_(1, 0).shape, z._version)
""",
    "nodes_and_gradients": """
l = torch.randn(2, 1, 3, requires_grad=True)
cases = [('t_', lambda z: z[:, 0].t_()), ('squeeze_', lambda z: z.squeeze_()), ('squeeze_(1)', lambda z: z.squeeze_(1)),
         ('squeeze_((1,))', lambda z: z.squeeze_((1,))), ('unsqueeze_', lambda z: z.unsqueeze_(0)),
         ('swapaxes_', lambda z: z.swapaxes_(0, 2)), ('swapdims_', lambda z: z.swapdims_(0, 2)),
         ('transpose_', lambda z: z.transpose_(0, 2))]
for name, fn in cases:
    z = l * 1
    r = fn(z)
    print(name, r.grad_fn, r.grad_fn.next_functions[0][0], r.shape, r._version)
    (r * torch.arange(float(r.numel())).view(r.shape)).sum().backward()
    print(l.grad)
    l.grad = None
z = l * 1
s = z[0]
s.unsqueeze_(0)
print(s._base is z, s.shape, s.grad_fn, s.grad_fn.next_functions)
""",
    "refusals_and_saved_values": """
l = torch.randn(2, 1, 3, requires_grad=True)
for fn in [lambda: l.view(2, 3).t_(), lambda: l.t_(), lambda: torch.randn(2, 3).transpose_(0, 5),
           lambda: torch.randn(2, 3, 4).t_(), lambda: torch.randn(2, 3).unsqueeze_(3)]:
    try:
        fn()
    except Exception as e:
        print(type(e).__name__, e)
with torch.no_grad():
    v = (l * 1).view(2, 3)
    print(l.transpose_(0, 1).shape, l.grad_fn, l.is_leaf)
v.t_()
print(v.grad_fn, v.shape)
z = l * 1
w = z * z
z.transpose_(0, 1)
try:
    w.sum().backward()
except Exception as e:
    print(type(e).__name__, e)
""",
    "unpad_sequence_transposes_in_place": """
rnn = torch.nn.utils.rnn
p = rnn.pad_sequence([torch.ones(3), torch.ones(2) * 2])
before = p._version
print(p.shape)
print(rnn.unpad_sequence(p, torch.tensor([3, 2])))
print(p.shape, p._version - before)
q = rnn.pad_sequence([torch.ones(3), torch.ones(2) * 2], batch_first=True)
before = q._version
print(rnn.unpad_sequence(q, torch.tensor([3, 2]), batch_first=True), q.shape, q._version - before)
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_inplace_views_match_pytorch(name: str) -> None:
    assert transcript(gtorch, SNIPPETS[name]) == transcript(torch_real, SNIPPETS[name])
