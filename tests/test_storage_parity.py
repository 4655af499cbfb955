"""as_strided and its family index the input's storage, as PyTorch does, against real PyTorch: values, strides,
storage offsets, nodes and gradients on transposed, sliced, expanded and restrided inputs
(gradsh/engine/ops/storage.py). Each snippet runs on both sides (tests/snippet_parity.py).
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

_INFO = """
def info(name, t):
    print(name, t.tolist(), t.stride(), t.storage_offset(), t.is_contiguous(), t.grad_fn, t._base is not None)
"""

SNIPPETS = {
    "strides_and_offsets_of_views": _INFO + """
c = torch.arange(4.).view(2, 2)
for name, t in [('t', c.t()), ('unsqueeze0', c.unsqueeze(0)), ('unsqueeze2', c.unsqueeze(2)), ('select', c[:, 0]),
                ('diagonal', c.diagonal()), ('expand', c[:, :1].expand(2, 3)), ('unfold', torch.arange(6.).unfold(0, 2, 1)),
                ('view', c.view(4, 1)), ('reshape_copy', c.t().reshape(4)), ('split', torch.arange(6.).view(3, 2).split(1)[1]),
                ('none_index', c[None, :, None]), ('squeeze', torch.zeros(2, 1, 3).squeeze(1)),
                ('permute', torch.zeros(2, 3, 4).permute(2, 0, 1)), ('slice_step', torch.zeros(5, 2)[::2]),
                ('narrow', torch.zeros(4, 4).narrow(1, 1, 2)), ('select_0d', torch.zeros(3)[1]), ('0d', torch.tensor(1.)),
                ('elementwise_on_t', c.t() * 2)]:
    info(name, t)
print(c.stride(1), c.stride(-2))
for fn in [lambda: torch.tensor(1.).stride(0), lambda: c.stride(2)]:
    try:
        fn()
    except IndexError as e:
        print(e)
""",
    "as_strided_reads_the_storage": _INFO + """
b = torch.arange(12.)
x = b.view(3, 4).t()
info('x', x)
info('as(x)', x.as_strided((2, 2), (1, 2)))
info('as(x, 3)', x.as_strided((2, 2), (1, 2), 3))
s = b[5:]
info('as(s)', s.as_strided((3,), (2,)))
info('as(s, 1)', s.as_strided((3,), (2,), 1))
e = torch.arange(3.).expand(4, 3)
info('as(e)', e.as_strided((3,), (1,)))
info('as(x * 1)', (x * 1).as_strided((2, 2), (1, 2)))
info('copy', torch.as_strided_copy(x, (2, 2), (1, 2)))
for fn in [lambda: e.as_strided((4,), (1,)), lambda: s.as_strided((9,), (1,)), lambda: b.as_strided((2,), (-1,)),
           lambda: b.as_strided((2,), (1,), -1), lambda: b.as_strided((2, 2), (1,))]:
    try:
        fn()
    except RuntimeError as err:
        print(err)
r = torch.arange(6.)
w = r.as_strided((2, 2), (2, 1), 1)
w.add_(100)
print(r, r._version)
""",
    "as_strided_gradients": """
def run(name, make, *args):
    a = torch.arange(1., 13.).requires_grad_()
    y = make(a).as_strided(*args)
    print(name, y, y._base is a)
    (y * torch.arange(1., y.numel() + 1).view(y.shape)).sum().backward()
    print(a.grad)
run('windows', lambda a: a, (5, 4), (2, 1))
run('overlap3', lambda a: a[:6], (4, 3), (1, 1))
run('transposed', lambda a: a.view(3, 4).t(), (2, 3), (1, 2))
run('sliced', lambda a: a[4:], (3,), (2,))
run('sliced_offset', lambda a: a[4:], (3,), (2,), 1)
run('expanded', lambda a: a[:3].expand(4, 3), (3,), (1,))
run('expanded2', lambda a: a[:3].expand(4, 3), (2, 3), (0, 1))
run('expanded_view', lambda a: a[:4].view(2, 2).expand(3, 2, 2), (2, 2), (1, 2), 1)
run('empty', lambda a: a, (0, 3), (1, 1))
run('size1', lambda a: a, (1, 3), (100, 2))
run('stride0_out', lambda a: a, (3, 2), (0, 1), 2)
run('outside_the_view', lambda a: a[4:], (9,), (1,), 0)
a = torch.arange(1., 7., dtype=torch.float64, requires_grad=True)
y = a[1:].as_strided((3, 2), (1, 1))
g, = torch.autograd.grad((y * y).sum(), a, create_graph=True)
print(g.detach(), g.requires_grad)
print(torch.autograd.grad(g.sum(), a))
""",
    "as_strided_in_place": _INFO + """
y = torch.arange(12.)[2:]
y.as_strided_((2, 2), (1, 3))
info('slice', y)
z = torch.arange(12.).view(3, 4).t()
z.as_strided_((3,), (2,), 1)
info('transposed', z)
r = torch.arange(6.)
r.as_strided_((2,), (2,), 1)
info('root', r)
info('root[1:]', r[1:])
info('root.as_strided', r.as_strided((3,), (1,)))
a = torch.arange(1., 7., requires_grad=True)
v = (a * 1)[1:]
v.as_strided_((2,), (2,))
info('recorded', v)
(v * torch.tensor([1., 2.])).sum().backward()
print(a.grad)
""",
    "as_strided_scatter_clones_the_storage": _INFO + """
b = torch.arange(12.)
x = b.view(3, 4).t()
src = torch.full((2, 2), -1.)
info('t', torch.as_strided_scatter(x, src, (2, 2), (1, 2)))
info('t_offset', torch.as_strided_scatter(x, src, (2, 2), (1, 2), 1))
info('slice', torch.as_strided_scatter(b[5:], torch.full((2,), -1.), (2,), (2,)))
info('slice_offset', torch.as_strided_scatter(b[5:], torch.full((2,), -1.), (2,), (2,), 1))
info('expanded', torch.as_strided_scatter(b[:3].expand(2, 3), torch.full((2,), -1.), (2,), (1,)))
a = torch.arange(12., requires_grad=True)
s = torch.zeros(2, requires_grad=True)
y = torch.as_strided_scatter(a[2:], s, (2,), (1,))
info('grad', y)
(y * torch.arange(10.)).sum().backward()
print(a.grad, s.grad)
print(b, b._version)
try:
    torch.as_strided_scatter(a.view(3, 4).t(), torch.zeros(2), (2,), (1,))
except RuntimeError as err:
    print(err)
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_storage_geometry_matches_pytorch(name: str) -> None:
    assert transcript(gtorch, SNIPPETS[name]) == transcript(torch_real, SNIPPETS[name])
