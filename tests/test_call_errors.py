"""A wrong call to an op shows PyTorch's TypeError (gradsh/engine/call_errors.py, reworded in the session).

The texts are pinned as real torch 2.13 gives them; the parity tests check the pins against it.
"""

import subprocess
import sysconfig
from pathlib import Path

import pytest
from snippet_parity import real_torch

from gradsh.transcript.session import Execution, Session

# imported while collecting, before any gradsh session binds `import torch` to gradsh's engine
REAL_TORCH = real_torch()

SETUP = "import torch\nimport torch.nn.functional as F\nx = torch.ones(2)\n"

MAX_OVERLOADS = (
    " * (Tensor input, *, Tensor out = None)\n"
    " * (Tensor input, Tensor other, *, Tensor out = None)\n"
    " * (Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)\n"
)
SUM_OVERLOADS = (
    " * (Tensor input, *, torch.dtype dtype = None)\n"
    " * (Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n"
)

# (source, PyTorch 2.13's message)
CASES = [
    # a missing argument
    ("torch.tanh()", 'tanh() missing 1 required positional arguments: "input"'),
    ("torch.matmul(x)", 'matmul() missing 1 required positional arguments: "other"'),
    ("x.matmul()", 'matmul() missing 1 required positional arguments: "other"'),
    ("torch.mul(x)", 'mul() missing 1 required positional arguments: "other"'),
    ("x.unsqueeze()", 'unsqueeze() missing 1 required positional arguments: "dim"'),
    ("torch.cat()", 'cat() missing 1 required positional arguments: "tensors"'),
    ("F.linear(x)", 'linear() missing 1 required positional arguments: "weight"'),
    ("F.mse_loss(x)", "mse_loss() missing 1 required positional argument: 'target'"),
    ("torch.matmul(x, foo=x)", 'matmul() missing 1 required positional arguments: "other"'),
    ("torch.add(x)", ("add() received an invalid combination of arguments - got (Tensor), but expected "
     "(Tensor input, Tensor other, *, Number alpha = 1, Tensor out = None)")),
    ("x.add()", ("add() received an invalid combination of arguments - got (), but expected "
     "(Tensor other, *, Number alpha = 1)")),
    ("torch.max()", "max() received an invalid combination of arguments - got (), but expected one of:\n"
     + MAX_OVERLOADS),
    ("torch.sum()", "sum() received an invalid combination of arguments - got (), but expected one of:\n"
     + SUM_OVERLOADS),
    ("x.view()", ("view() received an invalid combination of arguments - got (), but expected one of:\n"
     " * (torch.dtype dtype)\n * (tuple of ints size)\n")),
    ("def f(t):\n    return torch.matmul(t)\n\nf(x)", 'matmul() missing 1 required positional arguments: "other"'),
    ("torch.add(x, foo=1)", 'add() missing 1 required positional arguments: "other"'),  # the one plausible overload
    # an unexpected keyword
    ("torch.addbmm(x, foo=1)",
     "addbmm() received an invalid combination of arguments - got unrecognized keyword arguments: foo"),
    ("torch.tanh(x, foo=1)", "tanh() got an unexpected keyword argument 'foo'"),
    ("torch.tanh(x, bar=1, foo=2)", "tanh() got an unexpected keyword argument 'bar'"),
    ("x.unsqueeze(1, foo=2)", "unsqueeze() got an unexpected keyword argument 'foo'"),
    ("F.relu(x, foo=1)", "relu() got an unexpected keyword argument 'foo'"),
    ("x.tanh(foo=1)", "TensorBase.tanh() takes no keyword arguments"),
    ("x.sum(foo=1)", ("sum() received an invalid combination of arguments - got (foo=int, ), but expected one of:\n"
     " * (*, torch.dtype dtype = None)\n * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)\n")),
    ("torch.clamp(x, foo=1)", ("clamp() received an invalid combination of arguments - got (Tensor, foo=int), "
     "but expected one of:\n * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
     " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n")),
    # too many positional arguments
    ("torch.tanh(x, x, x)", "tanh() takes 1 positional argument but 3 were given"),
    ("torch.add(x, x, x, x, x)", ("add() received an invalid combination of arguments - got (Tensor, Tensor, "
     "!Tensor!, !Tensor!, !Tensor!), but expected (Tensor input, Tensor other, *, Number alpha = 1, Tensor out = None)")),
    ("torch.tanh(x.grad, x.shape, x)", "tanh() takes 1 positional argument but 3 were given"),
    ("torch.absolute()", 'absolute() missing 1 required positional arguments: "input"'),
    ("x.mul_(x, x)", "mul_() takes 1 positional argument but 2 were given"),
    ("x.clone(x)", "clone() takes 0 positional arguments but 1 was given"),
    ("x.zero_(1)", "TensorBase.zero_() takes no arguments (1 given)"),
    ("torch.tensor(foo=1)", 'tensor() missing 1 required positional arguments: "data"'),
    ("torch.matmul(x, x, x)", "matmul() takes 2 positional arguments but 3 were given"),
    ("x.matmul(x, x)", "matmul() takes 1 positional argument but 2 were given"),
    ("x.unsqueeze(1, 2)", "unsqueeze() takes 1 positional argument but 2 were given"),
    ("F.linear(x, x, x, x, x)", "linear() takes from 2 to 3 positional arguments but 5 were given"),
    ("F.relu(x, True, 2)", "relu() takes from 1 to 2 positional arguments but 3 were given"),
    ("x.tanh(1)", "TensorBase.tanh() takes no arguments (1 given)"),
    ("f = x.exp\n\nf(1)", "Tensor.exp() takes no arguments (1 given)"),
    ("torch.sum(x, 0, (1, 2), [4], 5, 6)", "sum() received an invalid combination of arguments - got "
     "(Tensor, int, tuple, list, int, int), but expected one of:\n" + SUM_OVERLOADS
     + "      didn't match because some of the arguments have invalid types: "
     "(Tensor, !int!, !tuple of (int, int)!, !list of [int]!, !int!, !int!)\n"),
]


def _run(session: Session, source: str) -> Execution:
    """Each "\n\n"-separated statement as its own example, as a transcript gives them."""
    *before, last = source.split("\n\n")
    for statement in before:
        assert session.run(statement).exception is None, statement
    return session.run(last)


def _message(session: Session, source: str) -> str:
    result = _run(session, source)
    assert result.exception is not None and result.exception.type == "TypeError", (source, result)
    return result.exception.message


@pytest.mark.parity
@pytest.mark.parametrize(("source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_pinned_text_is_real_torchs(source, expected):
    torch = REAL_TORCH
    if torch is None:
        pytest.skip("needs real PyTorch")
    namespace: dict = {}
    exec(compile(SETUP, "<setup>", "exec"), namespace)  # noqa: S102
    with pytest.raises(TypeError) as err:
        exec(compile(source, "<example>", "exec"), namespace)  # noqa: S102
    assert str(err.value) == expected


@pytest.fixture(scope="module")
def gradsh_session():
    with Session() as session:
        for line in SETUP.splitlines():
            session.run(line)
        yield session


@pytest.mark.parametrize(("source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_gradsh_gives_pytorchs_text(gradsh_session, source, expected):
    assert _message(gradsh_session, source) == expected


# Beyond the reword: Python's own text stays (README, "Wrong calls"), and nothing is reworded by mistake.
KEPT = [
    # an argument that is itself a call: reading it back would run it again
    ("torch.matmul(x.sum())", "matmul() missing 1 required positional argument: 'other'"),
    # a property that computes (reading x.T again would record a node)
    ("torch.matmul(x.T)", "matmul() missing 1 required positional argument: 'other'"),
    # the user's code caught the error before the session saw it
    ("try:\n    torch.matmul(x)\nexcept TypeError as e:\n    print(e)", None),
    # the user's own function named like an op
    ("def matmul(a, b):\n    pass\n\nmatmul(x)", "matmul() missing 1 required positional argument: 'b'"),
    # an op's wrong call inside the user's class, named like PyTorch's
    ("class T:\n    def tanh(self):\n        pass\n\nT().tanh(1)", "T.tanh() takes 1 positional argument but 2 were given"),
]


@pytest.mark.parametrize(("source", "expected"), KEPT, ids=[c[0].splitlines()[0] for c in KEPT])
def test_python_text_kept_where_the_call_cannot_be_read_back(gradsh_session, source, expected):
    result = _run(gradsh_session, source)
    if expected is None:
        assert result.got == "matmul() missing 1 required positional argument: 'other'\n"
    else:
        assert result.exception is not None and result.exception.message == expected


def test_a_traceback_still_points_at_the_users_line(gradsh_session):
    result = gradsh_session.run("if True:\n    torch.matmul(x)\n", filename="<wrong-call>", interactive=True)
    assert 'File "<wrong-call>", line 2' in result.traceback
    assert result.traceback.endswith('TypeError: matmul() missing 1 required positional arguments: "other"\n')


# ----- through `gradsh check`, on both backends ---------------------------------------------------

TRANSCRIPT = SETUP.replace("import", ">>> import").replace("x =", ">>> x =") + "".join(
    f">>> {source}\nTraceback (most recent call last):\n  ...\nTypeError: {expected}\n"
    for source, expected in CASES
    if "\n" not in source and "\n" not in expected
)


def _check(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    script = Path(sysconfig.get_path("scripts")) / "gradsh"
    return subprocess.run(
        [str(script), "check", *options, str(path)], capture_output=True, text=True, timeout=300, check=False
    )


def test_gradsh_check_passes_a_transcript_of_wrong_calls(tmp_path):
    path = tmp_path / "wrong_calls.txt"
    path.write_text(TRANSCRIPT)
    result = _check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed" in result.stdout and " 0 failed" in result.stdout


@pytest.mark.parity
def test_the_same_transcript_passes_on_real_torch(tmp_path):
    torch = REAL_TORCH
    if torch is None:
        pytest.skip("needs real PyTorch")
    path = tmp_path / "wrong_calls.txt"
    path.write_text(TRANSCRIPT)
    result = _check(path, "--backend", "torch")
    assert result.returncode == 0, result.stdout + result.stderr


# ----- every registered op, three wrong calls each, against real torch ----------------------------

WRONG_CALLS = ("()", "(x, foo=1)", "(x, x, x, x, x, x, x, x, x)")


def _outcome(namespace: dict, source: str, reword: bool) -> tuple[str | None, bool]:
    """(the TypeError's text or None, whether gradsh reworded it)."""
    from gradsh.engine.call_errors import pytorch_call_error

    try:
        exec(compile(source, "<example>", "single"), namespace)  # noqa: S102
    except TypeError as exc:
        reworded = pytorch_call_error(exc) if reword else None
        return str(reworded or exc), reworded is not None
    except Exception as exc:  # noqa: BLE001 - a wrong call gradsh lets through to its forward
        return f"{type(exc).__name__}: {exc}", False
    return None, False


@pytest.mark.parity
def test_every_reworded_wrong_call_is_real_torchs(capsys):
    """No reword may be wrong, and at least as many wrong calls match as when this was written (2895
    of 2994: the rest are ops outside the registry, whose signature differs from PyTorch's, or that
    accept *size and fail later with another error)."""
    torch = REAL_TORCH
    if torch is None:
        pytest.skip("needs real PyTorch")
    import importlib
    import warnings

    import gradsh.torch as gtorch
    from gradsh.engine import registry

    ours, theirs = {"torch": gtorch, "x": gtorch.ones(2)}, {"torch": torch, "x": torch.ones(2)}
    calls = []
    for namespace in sorted({d.namespace for d in registry.declarations()}):
        module = importlib.import_module(namespace)
        calls += [f"{namespace}.{n}" for n in registry.functions(namespace) if hasattr(module, n)]
    calls += [f"x.{n}" for n in registry.tensor_names() if hasattr(torch.Tensor, n)]
    same, total, wrong = 0, 0, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in sorted(c for c in calls if not c.rpartition(".")[2].startswith("_")):
            for args in WRONG_CALLS:
                ours["x"], theirs["x"] = gtorch.ones(2), torch.ones(2)  # an earlier call may have changed x
                real, _ = _outcome(theirs, call + args, reword=False)
                if real is None:
                    continue
                got, reworded = _outcome(ours, call + args, reword=True)
                total += 1
                same += got == real
                if reworded and got != real:
                    wrong.append((call + args, got, real))
    capsys.readouterr()  # the examples' displayed values
    assert not wrong, "\n".join(map(repr, wrong))
    assert same >= 2895, f"{same} of {total} wrong calls give real torch's text"
