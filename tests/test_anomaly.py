"""Anomaly mode on gradsh against real PyTorch: NaN errors naming the node, the forward-traceback warning, modes.

The warning's traceback holds the frames of the snippet (and of the test harness, the same on both sides),
never gradsh's own.
"""

from __future__ import annotations

import re

import pytest
from snippet_parity import real_torch, transcript

from gradsh import torch as gtorch

torch_real = real_torch()
pytestmark = [pytest.mark.parity, pytest.mark.skipif(torch_real is None, reason="needs real PyTorch")]

# frames outside the snippet (pytest's, the harness's): torch shows them, gradsh leaves out library frames
_OUTSIDE_FRAME = re.compile(r'  File "(?!<snippet>)[^"]*", line \d+, in .*\n(    .*\n)?')


def _snippet_frames(text: str) -> str:
    return _OUTSIDE_FRAME.sub("", text)


SNIPPETS = {
    "nan_check_and_modes": """
def f(x):
    y = x.sqrt()
    return y
a = torch.tensor([-1., 4.], requires_grad=True)
with torch.autograd.detect_anomaly():
    print(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())
    out = f(a)
    try:
        out.sum().backward()
    except Exception as e: print(type(e).__name__, e)
print(torch.is_anomaly_enabled())
a = torch.tensor([0., 4.], requires_grad=True)
with torch.autograd.detect_anomaly():
    out = f(a)
    out.sum().backward()
    print(a.grad)
torch.autograd.set_detect_anomaly(True, check_nan=False)
print(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())
b = torch.tensor([-1.], requires_grad=True)
b.sqrt().backward()
print(b.grad, b.sqrt().grad_fn.metadata["traceback_"])
torch.autograd.set_detect_anomaly(False)
print(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled(), b.sqrt().grad_fn.metadata)
with torch.autograd.set_detect_anomaly(True):
    print(torch.is_anomaly_enabled())
print(torch.is_anomaly_enabled())
""",
    "error_names_forward_line": """
with torch.autograd.detect_anomaly():
    a = torch.tensor([1.], requires_grad=True)
    b = a * 2
    c = b.sin()
    b.add_(1)
    try: c.backward()
    except Exception as e: print(e)
    y = (a * 0).log() * 0
    try: y.backward()
    except Exception as e: print(type(e).__name__, e)
a = torch.tensor([1.], requires_grad=True)
b = a * 2
c = b.sin()
b.add_(1)
try: c.backward()
except Exception as e: print(e)
""",
    "not_a_decorator": """
@torch.autograd.detect_anomaly(check_nan=False)
def run(x):
    print(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())
    return x.sqrt().sum()
x = torch.tensor([-1.], requires_grad=True)
run(x).backward()
print(x.grad, torch.is_anomaly_enabled())
""",
    "node_without_forward_trace": """
class F(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x): return x.clone()
    @staticmethod
    def backward(ctx, g): raise ValueError("boom")
a = torch.tensor([1.], requires_grad=True)
y = F.apply(a).sum()
with torch.autograd.detect_anomaly():
    try: y.backward()
    except Exception as e: print(type(e).__name__, e)
    z = torch.tensor([-1.], requires_grad=True)
    w = z.sqrt()
    h = w.grad_fn.register_hook(lambda gi, go: print("hook sees", gi))
    try: w.backward()
    except Exception as e: print(type(e).__name__, e)
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_same_transcript_as_torch(name: str) -> None:
    source = SNIPPETS[name]
    expected = _snippet_frames(transcript(torch_real, source))
    assert "Anomaly Detection has been enabled" in expected or "True" in expected
    assert _snippet_frames(transcript(gtorch, source)) == expected


def test_the_forward_traceback_holds_no_gradsh_frame() -> None:
    with gtorch.autograd.set_detect_anomaly(True):
        node = gtorch.tensor([1.0], requires_grad=True).exp().grad_fn
    stack = "".join(node.metadata["traceback_"])
    assert __file__ in stack
    assert "gradsh/engine" not in stack
    assert not gtorch.is_anomaly_enabled()
