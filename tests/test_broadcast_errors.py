"""Operands that do not broadcast raise PyTorch's RuntimeError (gradsh/engine/broadcast_errors.py, reworded
in the session from numpy's ValueError).

The texts are pinned as real torch 2.13 gives them; the parity test checks the pins against it.
"""

import warnings

import pytest
from snippet_parity import real_torch

from gradsh.engine.broadcast_errors import size_mismatch
from gradsh.transcript.session import Execution, Session

# imported while collecting, before any gradsh session binds `import torch` to gradsh's engine
REAL_TORCH = real_torch()

SIZE = "The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton dimension {}"

# (source, PyTorch 2.13's RuntimeError message)
CASES = [
    ("torch.ones(2) + torch.ones(3)", SIZE.format(2, 3, 0)),
    ("torch.ones(2, 3) * torch.ones(2)", SIZE.format(3, 2, 1)),
    ("torch.ones(4, 2, 3) - torch.ones(5, 1, 3)", SIZE.format(4, 5, 0)),
    ("torch.ones(2, 3) / torch.ones(3, 2)", SIZE.format(3, 2, 1)),
    ("torch.ones(2, 1, 5) + torch.ones(3, 4)", SIZE.format(5, 4, 2)),
    ("torch.add(torch.ones(2), torch.ones(3))", SIZE.format(2, 3, 0)),
    ("torch.ones(2, requires_grad=True) * torch.ones(3)", SIZE.format(2, 3, 0)),
    ("torch.ones(2) == torch.ones(3)", SIZE.format(2, 3, 0)),
    ("torch.ones(2) < torch.ones(3)", SIZE.format(2, 3, 0)),
    ("torch.where(torch.ones(2) > 0, torch.ones(3), torch.ones(2))", SIZE.format(2, 3, 0)),
    ("torch.where(torch.ones(2) > 0, torch.ones(2), torch.ones(4))", SIZE.format(2, 4, 0)),
    ("torch.ones(2).add_(torch.ones(3))", SIZE.format(2, 3, 0)),
    ("torch.ones(2).add_(torch.ones(2, 2))", "output with shape [2] doesn't match the broadcast shape [2, 2]"),
    ("torch.maximum(torch.ones(2), torch.ones(3))", SIZE.format(2, 3, 0)),
    ("torch.pow(torch.ones(2), torch.ones(3))", SIZE.format(2, 3, 0)),
    ("torch.atan2(torch.ones(2), torch.ones(3))", SIZE.format(2, 3, 0)),
    ("torch.nn.functional.mse_loss(torch.ones(2), torch.ones(3))", SIZE.format(2, 3, 0)),
    # numpy combines these operands in another order; the op restores PyTorch's (broadcast_errors.check)
    ("torch.lerp(torch.ones(2), torch.ones(3), 0.5)", SIZE.format(2, 3, 0)),
    ("torch.lerp(torch.ones(2), torch.ones(2), torch.ones(3))", SIZE.format(2, 3, 0)),
    ("torch.addcmul(torch.ones(2), torch.ones(3), torch.ones(2))", SIZE.format(2, 3, 0)),
    ("torch.addcdiv(torch.ones(3), torch.ones(3), torch.ones(2))", SIZE.format(3, 2, 0)),
]


@pytest.mark.parity
@pytest.mark.parametrize(("source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_pinned_text_is_real_torchs(source, expected):
    torch = REAL_TORCH
    if torch is None:
        pytest.skip("needs real PyTorch")
    with pytest.raises(RuntimeError) as err, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mse_loss warns of the broadcast first
        eval(source, {"torch": torch})
    assert str(err.value) == expected


def _error(session: Session, source: str) -> tuple[str, str]:
    result: Execution = session.run(source)
    assert result.exception is not None, (source, result)
    return result.exception.type, result.exception.message


@pytest.fixture(scope="module")
def gradsh_session():
    with Session() as session:
        session.run("import torch")
        yield session


@pytest.mark.parametrize(("source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_gradsh_gives_pytorchs_text(gradsh_session, source, expected):
    assert _error(gradsh_session, source) == ("RuntimeError", expected)


def test_a_transcripts_own_numpy_keeps_numpys_words(gradsh_session):
    gradsh_session.run("import numpy as np")
    kind, message = _error(gradsh_session, "np.ones(2) + np.ones(3)")
    assert kind == "ValueError" and message.startswith("operands could not be broadcast together")


def test_code_that_catches_the_error_sees_it_unchanged(gradsh_session):
    # the reword happens where the session shows the exception, not in the engine (the module's docstring)
    result = gradsh_session.run("try:\n    torch.ones(2) + torch.ones(3)\nexcept ValueError:\n    print('caught')")
    assert result.got == "caught\n"


@pytest.mark.parametrize(("a", "b", "expected"), [
    ((2,), (3,), SIZE.format(2, 3, 0)),
    ((3, 1), (2,), None),
    ((1, 4), (3, 1), None),
    ((), (5,), None),
    ((7, 2, 3), (4, 3), SIZE.format(2, 4, 1)),
])
def test_size_mismatch_follows_infer_size(a, b, expected):
    assert size_mismatch(a, b) == expected
