"""float() of a tensor that requires grad warns once per process, and only where grad mode is on (as PyTorch 2.13)."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import warnings
warnings.simplefilter("always")
import {module} as torch
w = torch.ones(3, requires_grad=True)
loss = (w * 2).sum()
for where in ("no_grad", "grad", "grad again"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if where == "no_grad":
            with torch.no_grad():
                float(loss)
        else:
            float(loss)
    print(where, [str(c.message).split(" (Triggered")[0] for c in caught])
"""


def _run(module: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(module=module)], capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout


def test_gradsh_warns_once_and_not_under_no_grad() -> None:
    message = ("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
               "Consider using tensor.detach() first.")
    assert _run("gradsh.torch") == f"no_grad []\ngrad [{message!r}]\ngrad again []\n"


@pytest.mark.parity
def test_as_pytorch_does() -> None:
    pytest.importorskip("torch")
    assert _run("gradsh.torch") == _run("torch")
