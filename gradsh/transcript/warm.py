"""Warming the process that forks the file runners, so each child does not pay the same first-use costs.

gradsh's engine and the session build some things on first use and keep them: the op registry's
in-place names (touched.py reads ~600 signatures), the MKL library behind exact float math, the probe
that decides whether numpy's libm gives the C library's bits for random numbers, the first tensor
repr. A forked child would build each again and throw it away: ~45 ms a file, most of `gradsh check`'s
time over many small files. Warming runs a few examples once, in the parent, before the first fork.

It must leave nothing a transcript can see: the examples draw from a generator of their own (the
default one is not advanced), display nothing (`_` stays unbound), change no setting (dtype, print
options, grad mode outside its own blocks), register no hook, and warn of nothing (a warn-once warning
would then be missing in the files). tests/test_warm.py pins this down.
"""

from __future__ import annotations

import builtins
import warnings

from gradsh.transcript.backend import DEFAULT_BACKEND

# Common paths of a grad-mode transcript: creation, random numbers, element-wise math (MKL), reductions,
# backward and .grad, the grad-mode blocks, a tensor's repr, an expected error.
WARM_UP = (
    "import torch",
    "g = torch.Generator().manual_seed(0)",
    "x = torch.randn(2, 3, generator=g, requires_grad=True)",
    "y = (x * 2 + 1).tanh().sigmoid().exp().sin().abs().relu().sum()",
    "y.backward()",
    "r = repr(x.grad), repr(y), repr(torch.tensor([1, 2])), repr(torch.tensor(1.5))",
    "with torch.no_grad():\n    z = x * 2\n",
    "with torch.inference_mode():\n    w = x + 1\n",
    "with torch.set_grad_enabled(False):\n    v = x.mean()\n",
    "z.sum().backward()",
)

_done: set[str] = set()


def warm_up(backend: str) -> None:
    """Run the warm-up examples once in this process, for gradsh's engine (real PyTorch has its own start-up)."""
    if backend != DEFAULT_BACKEND or backend in _done:
        return
    _done.add(backend)
    from gradsh.transcript import touched
    from gradsh.transcript.session import Session

    touched.registry_names()
    had_underscore, underscore = hasattr(builtins, "_"), getattr(builtins, "_", None)
    with warnings.catch_warnings(), Session(backend) as session:
        warnings.simplefilter("ignore")  # nothing is shown, and no warn-once registry is filled by us
        for source in WARM_UP:
            session.run(source, "<gradsh warm-up>")
    if had_underscore:
        builtins._ = underscore
    elif hasattr(builtins, "_"):
        del builtins._
