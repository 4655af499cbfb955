"""inplace=True activations against real PyTorch: F.elu/celu/selu/leaky_relu/hardtanh/relu6/threshold/silu/mish/
hardswish/hardsigmoid (and the nn modules' inplace flag, F.*_ and torch.*_ forms) write into their input, bump
its version and record PyTorch's in-place node (EluBackward1, CeluBackward1, LeakyReluBackward1,
ThresholdBackward1, HardtanhBackward0, ...), whose saved result is checked by the version counter.

Gradients are printed to 4 decimals: the elu family's, silu's and mish's kernels are not yet bit-exact in
float32 (a separate, older difference of their out-of-place forms); the node, the values written and the
errors must match exactly. Each snippet runs on both sides (tests/snippet_parity.py).
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

SNIPPETS = {
    "functional_inplace_flag": """
F = torch.nn.functional
base = [-3.5, -1.25, -0.3, 0.0, 0.2, 0.7, 1.5, 4.0, 7.0]
cases = [('celu', {}), ('celu', {'alpha': 0.3}), ('selu', {}), ('elu', {}), ('elu', {'alpha': 1.7}),
         ('leaky_relu', {}), ('leaky_relu', {'negative_slope': 0.2}), ('silu', {}), ('hardtanh', {}),
         ('hardtanh', {'min_val': -2., 'max_val': 0.5}), ('relu6', {}), ('mish', {}), ('hardswish', {}),
         ('hardsigmoid', {}), ('threshold', {'threshold': 0.5, 'value': 1.0}),
         ('threshold', {'threshold': 0.1, 'value': -2.0})]
for dt in (torch.float32, torch.float64):
    for name, kw in cases:
        l = torch.tensor(base, dtype=dt, requires_grad=True)
        x = l * 1.5
        before = x._version
        r = getattr(F, name)(x, inplace=True, **kw)
        out_of_place = getattr(F, name)(l * 1.5, **kw)
        (r * torch.arange(9.0, dtype=dt)).sum().backward()
        print(name, kw, r is x, x._version - before, type(r.grad_fn).__name__, torch.equal(r, out_of_place))
        print([round(v, 4) for v in l.grad.tolist()])
""",
    "exact_values": """
F = torch.nn.functional
base = [-3.5, -1.25, -0.3, 0.0, 0.2, 0.7, 1.5, 4.0, 7.0]
for dt in (torch.float32, torch.float64):
    for fn in [lambda x: F.leaky_relu(x, 0.3), lambda x: F.leaky_relu(x, inplace=True), lambda x: F.hardtanh_(x, -0.5, 0.5),
               lambda x: F.threshold(x, 0.5, 1.0, inplace=True), lambda x: F.hardswish(x, inplace=True),
               lambda x: F.hardsigmoid(x, inplace=True)]:
        l = torch.tensor(base, dtype=dt, requires_grad=True)
        r = fn(l * 1.5)
        (r * torch.arange(9.0, dtype=dt)).sum().backward()
        print(r.tolist(), l.grad.tolist())
""",
    "underscore_forms_and_errors": """
F = torch.nn.functional
base = [-3.5, -1.25, -0.3, 0.0, 0.2, 0.7, 1.5, 4.0, 7.0]
for fn in [lambda x: F.elu_(x), lambda x: F.leaky_relu_(x, 0.3), lambda x: F.hardtanh_(x, -0.5, 0.5),
           lambda x: F.celu_(x, 2.), lambda x: F.selu_(x), lambda x: F.threshold_(x, 0.1, 20), lambda x: torch.celu_(x),
           lambda x: torch.selu_(x), lambda x: torch.threshold_(x, 0.0, -1.0)]:
    x = torch.tensor(base)
    r = fn(x)
    print(r is x, x._version, [round(v, 4) for v in x.tolist()])
l = torch.tensor(base, requires_grad=True)
for fn in [lambda: F.elu(l, inplace=True), lambda: F.leaky_relu_(l * 1, -0.5).sum().backward(),
           lambda: F.threshold(torch.tensor([1, 2, 3]), 1, 0, inplace=True)]:
    try:
        print(fn())
    except Exception as e:
        print(type(e).__name__, e)
with torch.no_grad():
    y = l * 1
    F.hardswish(y, inplace=True)
print(y.grad_fn, y.tolist())
""",
    "modules_pass_their_inplace_flag": """
F = torch.nn.functional
for act in [torch.nn.ELU(inplace=True), torch.nn.LeakyReLU(inplace=True), torch.nn.ReLU6(inplace=True),
            torch.nn.Hardtanh(inplace=True), torch.nn.SiLU(inplace=True), torch.nn.CELU(inplace=True),
            torch.nn.SELU(inplace=True), torch.nn.Threshold(0.1, 20, inplace=True)]:
    x = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True) * 1
    y = act(x)
    print(act, y is x, type(y.grad_fn).__name__)
m = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ELU(inplace=True), torch.nn.LeakyReLU(inplace=True),
                        torch.nn.ReLU6(inplace=True))
for p in m.parameters():
    torch.nn.init.constant_(p, 0.3)
out = m(torch.tensor([[1.0, -2.0, 3.0]]))
print(type(out.grad_fn).__name__, type(out.grad_fn.next_functions[0][0]).__name__)
try:
    out.sum().backward()
except RuntimeError as e:
    print(str(e).split(" Hint")[0])
""",
    "module_classes_and_reprs": """
# PyTorch's in-place activation modules are siblings (each derives from Module directly): a Mish is no Hardswish;
# Mish, SiLU and SELU show inplace=True in their repr, Hardswish and Hardsigmoid never do
nn = torch.nn
classes = [nn.Hardswish, nn.Hardsigmoid, nn.Mish, nn.SiLU, nn.SELU]
for a in classes:
    print(a.__name__, [b.__name__ for b in classes if isinstance(a(), b)], issubclass(a, nn.Module))
    print(repr(a()), repr(a(inplace=True)), a(True).inplace)
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_inplace_activations_match_pytorch(name: str) -> None:
    assert transcript(gtorch, SNIPPETS[name]) == transcript(torch_real, SNIPPETS[name])
