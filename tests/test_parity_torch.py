"""The op table of op_cases.py run on real PyTorch and on gradsh, side by side, in float32 and float64.

Compared: forward values, shapes and dtypes, grad_fn names (and those of the next functions),
requires_grad and is_leaf of the outputs, and the inputs' gradients after one backward with fixed
random output gradients. Skipped cleanly when torch is not installed. gradsh never binds itself into
sys.modules, so `import torch` here is real PyTorch; the test checks that, and leaves sys.modules alone.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from op_cases import CASES, Case, parity_params

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):  # something other than real PyTorch answers to `torch`
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

TOLERANCE = {"float32": {"rtol": 1e-4, "atol": 1e-5}, "float64": {"rtol": 1e-9, "atol": 1e-11}}


def _tensors(value: Any) -> list:
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    return [t for t in items if t.is_floating_point()]


def _node_name(node: Any) -> str | None:
    return None if node is None else type(node).__name__


def _describe(t: Any) -> dict:
    fn = t.grad_fn
    return {
        "shape": tuple(t.shape),
        "dtype": str(t.dtype),
        "requires_grad": t.requires_grad,
        "is_leaf": t.is_leaf,
        "grad_fn": _node_name(fn),
        "next_functions": None if fn is None else [_node_name(f) for f, _ in fn.next_functions],
    }


def _run(T: Any, c: Case, dtype_name: str) -> tuple[list, list, list]:
    """(inputs, outputs, output descriptions) after one backward through the case on namespace T."""
    dtype = getattr(T, dtype_name)
    inputs = [T.tensor(a, dtype=dtype, requires_grad=True) for a in c.arrays()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outs = _tensors(c.fn(T, *inputs))
    described = [_describe(t) for t in outs]
    rng = np.random.default_rng(1)
    grads = [T.tensor(rng.uniform(-1.0, 1.0, tuple(t.shape)), dtype=t.dtype) for t in outs]
    T.autograd.backward(outs, grads)
    return inputs, outs, described


def _array(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy(), dtype=np.float64)


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("c", parity_params(CASES))
def test_parity(c: Case, dtype_name: str) -> None:
    tol = TOLERANCE[dtype_name]
    ref_inputs, ref_outs, ref_described = _run(torch_real, c, dtype_name)
    inputs, outs, described = _run(gtorch, c, dtype_name)

    assert described == ref_described
    for out, ref in zip(outs, ref_outs):
        np.testing.assert_allclose(_array(out), _array(ref), **tol)
    for n, (x, ref) in enumerate(zip(inputs, ref_inputs)):
        if ref.grad is None:
            assert x.grad is None, f"input {n}"
            continue
        assert x.grad is not None, f"input {n}"
        assert (tuple(x.grad.shape), str(x.grad.dtype)) == (tuple(ref.grad.shape), str(ref.grad.dtype)), f"input {n}"
        np.testing.assert_allclose(_array(x.grad), _array(ref.grad), **tol, err_msg=f"gradient of input {n}")


def test_torch_is_real_pytorch_and_gradsh_is_not_bound() -> None:
    import sys

    assert sys.modules["torch"] is torch_real
    assert gtorch is not torch_real
    assert not any(getattr(m, "__name__", "").startswith("gradsh") for k, m in sys.modules.items()
                   if k == "torch" or k.startswith("torch."))
