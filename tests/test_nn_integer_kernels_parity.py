"""nn kernels on integer and bool tensors against real PyTorch: max pooling (padding never wins a window,
even against the integer minimum or -inf), threshold (compares and fills in the input's integer type, with
aten's checked scalar conversion) and native_dropout_backward (an integer or bool gradient comes back in
the default float dtype).

Each snippet runs on both sides (tests/snippet_parity.py) and must print the same transcript.
"""

from __future__ import annotations

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

SNIPPETS = {
    "max_pool_integer_and_padding": """
F = torch.nn.functional
print(F.max_pool2d(torch.tensor([[[[-5, -3], [-7, -9]]]]), 2, padding=1, return_indices=True))
low = -9223372036854775808
print(F.max_pool2d(torch.full((1, 1, 2, 2), low), 2, padding=1, return_indices=True))
print(F.max_pool2d(torch.full((2, 1, 2, 2), -4), 2, stride=1, padding=1, return_indices=True))
print(F.max_pool2d(torch.full((1, 1, 2, 2), float('-inf')), 2, padding=1, return_indices=True))
print(F.max_pool3d(torch.full((1, 1, 2, 2, 3), -2, dtype=torch.int32), 2, padding=1, return_indices=True))
print(F.max_pool1d(torch.full((1, 2, 3), float('-inf')), 2, padding=1, return_indices=True))
print(F.max_pool3d(torch.arange(-40, 14).view(1, 2, 3, 3, 3), 2, stride=2, padding=1, ceil_mode=True))
""",
    "max_pool_errors": """
F = torch.nn.functional
for f, x, kw in [(F.max_pool1d, torch.ones(1, 1, 2, 2, 2), {}),
                 (F.max_pool1d, torch.ones(1, 1, 2, 2, 2), {"return_indices": True}),
                 (F.max_pool1d, torch.ones(4, 4).bool(), {}),
                 (F.max_pool2d, torch.ones(1, 2, 2).bool(), {}),
                 (F.max_pool3d, torch.ones(1, 2, 2, 2).bool(), {})]:
    try:
        print(f(x, 2, **kw))
    except Exception as e:
        print(type(e).__name__, e)
""",
    "threshold_integer": """
F = torch.nn.functional
x = torch.tensor([-3, 0, 1, 2, 3, 5])
cases = [(x.bool(), 0.5, 1), (x, 1.5, float('nan')), (x, float('inf'), 1), (x, 1e30, 1),
         (x.to(torch.uint8), -1, 1), (x.to(torch.uint8), -255, 1), (x.to(torch.uint8), -256, 1),
         (x.to(torch.int8), 200, 1), (x, True, 3), (x, 1.5, 2.7), (x, -0.5, 7), (x, 2, -1.9),
         (x.to(torch.int32), 2, -1.9), (x.to(torch.int16), 2, -1.9)]
for args in cases:
    try:
        r = F.threshold(*args)
        print(r, r.dtype)
    except Exception as e:
        print(type(e).__name__, e)
print(torch.threshold(x, 1.5, 2.7))
""",
    "native_dropout_backward_dtypes": """
m = torch.tensor([True, False, True])
kernel = torch.ops.aten.native_dropout_backward
print(kernel(torch.tensor([1, 2, 3]), m, 2.0))
print(kernel(torch.tensor([True, True, False]), m, 2.0))
print(kernel(torch.tensor([1, 2, 3], dtype=torch.int8), m, 2.5))
print(kernel(torch.tensor([1, 2, 3]), m, 1 / 3))
print(kernel(torch.tensor([1., 2, 3], dtype=torch.float64), m, 1 / 3))
torch.set_default_dtype(torch.float64)
try:
    print(kernel(torch.tensor([1, 2, 3]), m, 1 / 3))
finally:
    torch.set_default_dtype(torch.float32)
g = torch.tensor([1., 2, 3], requires_grad=True)
out = kernel(g, m, 1 / 3)
print(out)
out.sum().backward()
print(g.grad)
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_integer_kernels_match_pytorch(name: str) -> None:
    assert transcript(gtorch, SNIPPETS[name]) == transcript(torch_real, SNIPPETS[name])
