"""Unknown names as PyTorch words them (issue 9, item 5).

A name real PyTorch 2.13 has but gradsh lacks says so and points at --backend torch (AttributeError,
ImportError under `from ... import`, ModuleNotFoundError for `import torch.x`); any other name (a typo)
gets exactly Python's and PyTorch's own error. The typo transcript passes on gradsh and on real torch.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
from transcript_helpers import verdicts

from gradsh import torch as gtorch
from gradsh.engine import torch_api

HINT = "; run the transcript with --backend torch to use real PyTorch"

# names PyTorch 2.13 has and gradsh does not, chosen outside every planned issue's scope (jit, distributed,
# sparse, onnx, profiler, ...): if gradsh gains one, pick another that it lacks
LACKED = [
    (lambda: gtorch.compile, "torch.compile"),
    (lambda: gtorch.jit, "torch.jit"),
    (lambda: gtorch.nn.DataParallel, "torch.nn.DataParallel"),
    (lambda: gtorch.nn.functional.handle_torch_function, "torch.nn.functional.handle_torch_function"),
    (lambda: gtorch.optim.swa_utils, "torch.optim.swa_utils"),
    (lambda: gtorch.autograd.profiler, "torch.autograd.profiler"),
    (lambda: gtorch.ones(1).to_sparse, "torch.Tensor.to_sparse"),
    (lambda: gtorch.nn.Parameter(gtorch.ones(1)).to_sparse, "torch.Tensor.to_sparse"),
]
TYPOS = [
    (lambda: gtorch.onse, "module 'torch' has no attribute 'onse'"),
    (lambda: gtorch.__onse__, "module 'torch' has no attribute '__onse__'"),
    (lambda: gtorch.nn.Conv2D, "module 'torch.nn' has no attribute 'Conv2D'"),
    (lambda: gtorch.nn.functional.rleu, "module 'torch.nn.functional' has no attribute 'rleu'"),
    (lambda: gtorch.autograd.grad_mode.no_gard, "module 'torch.autograd.grad_mode' has no attribute 'no_gard'"),
    (lambda: gtorch.ones(1).gard, "'Tensor' object has no attribute 'gard'"),
    (lambda: gtorch.ones(1)._onse, "'Tensor' object has no attribute '_onse'"),
    (lambda: gtorch.nn.Parameter(gtorch.ones(1)).gard, "'Parameter' object has no attribute 'gard'"),
]


@pytest.mark.parametrize("get, qualname", LACKED)
def test_a_pytorch_name_gradsh_lacks_says_so(get, qualname):
    with pytest.raises(AttributeError) as err:
        get()
    assert str(err.value) == f"gradsh does not implement {qualname}{HINT}"


@pytest.mark.parametrize("get, message", TYPOS)
def test_a_typo_gets_pythons_own_error(get, message):
    with pytest.raises(AttributeError) as err:
        get()
    assert str(err.value) == message


def test_an_unset_internal_slot_is_not_called_unsupported():
    t = gtorch.ones(1)
    del t._grad  # `_grad` is also a PyTorch name: gradsh's own slot must not be reported as missing from gradsh
    with pytest.raises(AttributeError, match=r"^'Tensor' object has no attribute '_grad'$"):
        t._grad  # noqa: B018


def test_protocol_probes_on_tensors_read_no_recorded_names():
    code = (
        "import numpy as np, gradsh.torch as torch, gradsh.engine.recorded as r\n"
        "np.asarray(torch.ones(2)); hasattr(torch.ones(1), '__array_wrap__')\n"
        "print(r.load.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0"]


def test_getattr_default_and_hasattr_still_work():
    assert getattr(gtorch, "compile", None) is None and not hasattr(gtorch.ones(1), "gard")


def test_the_engine_reads_no_recorded_names_at_import_and_imports_no_facade():
    code = (
        "import sys, gradsh.engine.tensor, gradsh.engine.unsupported, gradsh.engine.torch_api as a\n"
        "print(a._load.cache_info().currsize, any(m.startswith('gradsh.torch') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False"]


TYPO_TRANSCRIPT = """\
>>> import torch
>>> torch.onse(2)
Traceback (most recent call last):
  ...
AttributeError: module 'torch' has no attribute 'onse'
>>> torch.ones(2).gard
Traceback (most recent call last):
  ...
AttributeError: 'Tensor' object has no attribute 'gard'
>>> torch.nn.functional.rleu
Traceback (most recent call last):
  ...
AttributeError: module 'torch.nn.functional' has no attribute 'rleu'
>>> from torch import onse  # doctest: +ELLIPSIS
Traceback (most recent call last):
  ...
ImportError: cannot import name 'onse' from 'torch' (...)
>>> from torch.nn import Conv2D  # doctest: +ELLIPSIS
Traceback (most recent call last):
  ...
ImportError: cannot import name 'Conv2D' from 'torch.nn' (...)
>>> import torch.onse
Traceback (most recent call last):
  ...
ModuleNotFoundError: No module named 'torch.onse'
>>> import torch.nn.fnctional as F
Traceback (most recent call last):
  ...
ModuleNotFoundError: No module named 'torch.nn.fnctional'
>>> import torch.nn.modules.lss
Traceback (most recent call last):
  ...
ModuleNotFoundError: No module named 'torch.nn.modules.lss'
>>> from torch.nn import functional as F
>>> F.relu(torch.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""

LACKED_TRANSCRIPT = f"""\
>>> import torch
>>> torch.compile
Traceback (most recent call last):
  ...
AttributeError: gradsh does not implement torch.compile{HINT}
>>> torch.ones(2).to_sparse
Traceback (most recent call last):
  ...
AttributeError: gradsh does not implement torch.Tensor.to_sparse{HINT}
>>> from torch import compile
Traceback (most recent call last):
  ...
ImportError: gradsh does not implement torch.compile{HINT}
>>> from torch import jit
Traceback (most recent call last):
  ...
ImportError: gradsh does not implement torch.jit{HINT}
>>> from torch.nn import DataParallel
Traceback (most recent call last):
  ...
ImportError: gradsh does not implement torch.nn.DataParallel{HINT}
>>> import torch.distributed
Traceback (most recent call last):
  ...
ModuleNotFoundError: gradsh does not implement torch.distributed{HINT}
>>> from torch.nn.utils.prune import l1_unstructured
Traceback (most recent call last):
  ...
ModuleNotFoundError: gradsh does not implement torch.nn.utils.prune{HINT}
>>> from torch.onnx import export
Traceback (most recent call last):
  ...
ModuleNotFoundError: gradsh does not implement torch.onnx{HINT}
>>> import torch.nn.functional as F
>>> F.relu(torch.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""


def test_typos_fail_as_on_pytorch_in_a_transcript(tmp_path):
    assert set(verdicts(tmp_path, TYPO_TRANSCRIPT)) == {"passed"}


def test_pytorch_names_gradsh_lacks_say_so_in_a_transcript(tmp_path):
    assert set(verdicts(tmp_path, LACKED_TRANSCRIPT)) == {"passed"}
    assert "/" not in LACKED_TRANSCRIPT.replace("(most recent call last)", "")  # no path of the machine


def test_the_submodule_finder_leaves_other_imports_alone(tmp_path):
    # after a session, `torch` is unbound again: the finder must not answer for anything
    verdicts(tmp_path, LACKED_TRANSCRIPT)
    assert "torch" not in sys.modules or sys.modules["torch"].__name__ != "gradsh.torch"
    with pytest.raises(ModuleNotFoundError, match=r"^No module named 'gradsh.linalg'$"):
        import gradsh.linalg  # noqa: F401


# ----- on real PyTorch ---------------------------------------------------------------------------------


def _real_torch():
    torch = pytest.importorskip("torch")
    if not hasattr(torch, "_C"):
        pytest.skip("`import torch` does not give real PyTorch")
    return torch


@pytest.mark.parity
def test_typos_fail_the_same_way_on_real_torch(tmp_path):
    _real_torch()
    assert set(verdicts(tmp_path, TYPO_TRANSCRIPT, backend="torch")) == {"passed"}


@pytest.mark.parity
def test_the_lacked_names_exist_in_real_torch_and_the_typos_do_not():
    torch = _real_torch()
    importlib.import_module("torch.nn.utils.prune")
    importlib.import_module("torch.onnx")
    importlib.import_module("torch.distributed")

    assert torch.compile and torch.Tensor.to_sparse and torch.jit and torch.nn.DataParallel and torch.optim.swa_utils
    assert torch.nn.functional.handle_torch_function and torch.autograd.profiler
    for module, name in [("torch", "onse"), ("torch.nn", "Conv2D"), ("torch.nn.functional", "rleu"),
                         ("torch.Tensor", "gard"), ("torch.autograd.grad_mode", "no_gard")]:
        assert not torch_api.torch_has(module, name)
        owner = torch.Tensor if module == "torch.Tensor" else sys.modules[module]
        assert not hasattr(owner, name)
