"""PyTorch's everyday older surface and numpy interplay, against real PyTorch: torch.autograd.Variable,
torch.FloatTensor(...) and the other typed tensors, torch.__version__, torch.cuda / torch.backends device
queries, torch.set_default_device, torch.testing.assert_close, numpy arrays and scalars in arithmetic."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from gradsh import torch as gtorch

torch_real = pytest.importorskip("torch")
if not hasattr(torch_real, "_C"):
    pytest.skip("`import torch` does not give real PyTorch", allow_module_level=True)

pytestmark = pytest.mark.parity

EXPRESSIONS = [
    # numpy arrays and scalars beside tensors: which side computes and what comes back
    "t + np.ones(2)", "np.ones(2) + t", "np.ones(2) * t", "np.ones(2) - t", "t - np.ones(2, dtype=np.float32)",
    "t == np.ones(2)", "np.ones(2) == t", "t != np.zeros(2)", "t < np.ones(2)", "np.ones(2) < t",
    "t + np.array(2.0)", "np.array(2.0) + t", "i + np.ones(2, dtype=np.int32)", "t * np.float64(2)",
    "np.float64(2) * t", "np.float32(2) + i", "i * np.float32(2.5)", "t + np.int64(3)", "i + np.int64(3)",
    "T.ones(2, dtype=T.int32) + np.int64(3)", "np.int64(3) - t", "t ** np.float64(2)", "np.float64(2) ** t",
    "t @ np.ones(2)", "np.ones(2) @ t", "t / np.int64(2)", "i / np.int64(2)", "i // np.int64(2)",
    "t + np.bool_(True)", "T.tensor(np.float64(2.5))", "T.tensor([np.float32(1), np.float32(2)])",
    "np.exp(t)", "np.isnan(t)", "np.maximum(t, 0.5)", "T.full((2,), np.float32(1.5))", "T.full((2,), np.int64(1))",
    "T.zeros(np.int64(2))", "t.new_full((2,), np.float64(3))", "t.add(np.float64(1))", "t[np.int64(1)]",
    "T.ones(2, dtype=T.float16) + np.float64(3)", "np.float64(1) + T.ones(2, dtype=T.float16)",
    # typed constructors
    "T.FloatTensor([1, 2])", "T.LongTensor(2, 3).shape", "T.DoubleTensor([[1]])", "T.FloatTensor()",
    "T.FloatTensor(T.Size([2, 1])).shape", "T.FloatTensor(np.ones(2))", "T.IntTensor([1.7, -1.7])",
    "T.BoolTensor([2, 0])", "T.ByteTensor([1])", "T.HalfTensor([1])", "T.CharTensor([1]).dtype",
    "T.ShortTensor([1]).dtype", "T.BFloat16Tensor([1]).dtype", "T.FloatTensor(T.ones(2, dtype=T.int64))",
    "T.FloatTensor('a')", "T.FloatTensor(t) is t", "T.FloatTensor(t).data_ptr() == t.data_ptr()",
    "isinstance(t, T.FloatTensor)", "isinstance(i, T.FloatTensor)", "isinstance(i, T.LongTensor)",
    "repr(T.FloatTensor)", "t.type(T.DoubleTensor)", "t.type()",
    # Variable
    "T.autograd.Variable(t)", "T.autograd.Variable(t) is t", "T.autograd.Variable(t, requires_grad=True)",
    "isinstance(t, T.autograd.Variable)", "T.autograd.Variable(t, volatile=True)",
    "T.autograd.Variable(T.ones(2, requires_grad=True)).requires_grad",
    # version and devices
    "T.__version__", "str(T.__version__)", "T.__version__ >= '2.0'", "T.__version__ < (2, 14)",
    "T.__version__ > '2.13.0'", "T.__version__ == '2.13.0+cpu'", "T.__version__.split('+')",
    "T.__version__ == '2.13.0'", "T.__version__ == (2, 13, 0)", "T.__version__ < '2.13.1'", "T.__version__ in {'2.13.0+cpu'}",
    "T.cuda.is_available()", "T.cuda.device_count()", "T.cuda.is_initialized()", "T.cuda.current_device()",
    "T.cuda.manual_seed(1)", "T.cuda.manual_seed_all(1)", "T.cuda.synchronize()", "T.cuda.get_device_name()",
    "T.backends.mps.is_available()", "T.backends.mps.is_built()", "T.backends.cudnn.enabled",
    "T.backends.cudnn.deterministic", "T.set_default_device('cpu')", "T.get_default_device()",
    "T.set_default_device(None)", "t.is_cuda", "t.device", "t.cuda()", "t.cpu() is t",
    # assert_close
    "T.testing.assert_close(t, t.clone())", "T.testing.assert_close(t, t + 1e-3)",
    "T.testing.assert_close(t, t + 1e-7)", "T.testing.assert_close(1.0, 1.1)", "T.testing.assert_close(2, 1)",
    "T.testing.assert_close(t, T.ones(3))", "T.testing.assert_close(t, t.double())",
    "T.testing.assert_close(T.tensor([1, 2]), T.tensor([1, 3]))", "T.testing.assert_close([t], [t + 1])",
    "T.testing.assert_close({'a': t}, {'a': t * 2})", "T.testing.assert_close(t, [1.0, 1.0])",
    "T.testing.assert_close(T.tensor([float('nan')]), T.tensor([float('nan')]))",
    "T.testing.assert_close(T.tensor([float('nan')]), T.tensor([float('nan')]), equal_nan=True)",
    "T.testing.assert_close(t, t + 0.1, rtol=0.2, atol=0.0)", "T.testing.assert_close(t, t + 1, msg='custom')",
    "T.testing.assert_close(t, t.double(), check_dtype=False)", "T.testing.assert_close(t, np.ones(2, np.float32))",
    "T.testing.assert_close(T.tensor([[1.0, 2.0]]), T.tensor([[1.0, 2.5]]))",
]

KNOWN = {  # PyTorch's own quirks not reproduced
    "T.FloatTensor(t).data_ptr() == t.data_ptr()": "gradsh has no data_ptr",
}


def _evaluate(T: Any, expr: str) -> str:
    t = T.ones(2)
    i = T.ones(2, dtype=T.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = eval(expr, {"T": T, "np": np, "t": t, "i": i})
        except Exception as e:  # noqa: BLE001 - the same exception type and message as PyTorch's
            return f"{type(e).__name__}: {e}"
    return f"{type(value).__name__}: {value!r}"


@pytest.mark.parametrize("expr", [pytest.param(e, marks=[pytest.mark.xfail(reason=KNOWN[e], strict=True)]
                                               if e in KNOWN else []) for e in EXPRESSIONS])
def test_like_pytorch(expr: str) -> None:
    assert _evaluate(gtorch, expr) == _evaluate(torch_real, expr)


def test_variable_warns_on_volatile() -> None:
    with pytest.warns(UserWarning, match="volatile was removed"):
        gtorch.autograd.Variable(gtorch.ones(1), volatile=True)


def test_gradsh_keeps_its_own_version() -> None:
    import gradsh

    assert gtorch.__version__ == "2.13.0+cpu"
    assert gradsh.__version__ != gtorch.__version__
