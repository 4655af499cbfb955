"""The grad report reads only what an example can have changed: the same report, at a cost linear in the names."""

from pathlib import Path

import pytest

from gradsh.transcript import gradreport, touched
from gradsh.transcript.parse import parse_file
from gradsh.transcript.pool import run_files
from gradsh.transcript.runner import Options
from gradsh.transcript.session import Session

HERE = Path(__file__).parent
TRANSCRIPTS = sorted((HERE / "conformance").rglob("*.txt")) + sorted((HERE.parent / "scripts").glob("*.txt"))


def reports(path: Path, incremental: bool) -> list:
    with Session() as session:
        session.incremental = incremental
        return [session.run(ex.source, "<t>", ipython=ex.style == "ipython").report for ex in parse_file(path).examples]


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.name)
def test_the_report_is_the_same_as_reading_every_name(path: Path) -> None:
    assert reports(path, incremental=True) == reports(path, incremental=False)


EXAMPLES = """\
>>> import torch
>>> x = torch.ones(2, requires_grad=True)
>>> y = x * 2
>>> a, b = torch.zeros(1), torch.zeros(1)
>>> xs = [x, y]
>>> alias = x
>>> alias.add_(1) if False else None
>>> with torch.no_grad():
...     x.mul_(2)
tensor([2., 2.], requires_grad=True)
>>> y.sum().backward()
>>> n = 0
>>> n += 1
>>> del a
>>> def f():
...     b.add_(1)
>>> f()
tensor([1.])
>>> class Holder:
...     pass
>>> h = Holder(); h.t = torch.ones(1)
>>> h.t.zero_()
tensor([0.])
>>> d = {'k': torch.ones(1)}
>>> d['k'] = torch.zeros(1)
>>> y.retain_grad()
>>> (y * 3).sum().backward()
>>> x.grad = None
>>> torch.nn.functional.relu(b, True)
tensor([1.])
"""


def test_the_report_is_the_same_on_in_place_aliases_backward_and_user_code(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_text(EXAMPLES)
    assert reports(path, incremental=True) == reports(path, incremental=False)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("t = torch.ones(2)", {"t"}),
        ("a, (b, *c) = 1, (2, 3)", {"a", "b", "c"}),
        ("y = x * 2 + x.sum()", {"y"}),
        ("import numpy as np", {"np"}),
        ("n += 1", {"n"}),
        ("def g(v):\n    return v * 2", {"g"}),
        ("print(x)", set()),
        ("x.add_(1)", None),
        ("x += 1", None),
        ("x.grad = None", None),
        ("xs[0] = x", None),
        ("xs.append(x)", None),
        ("y.sum().backward()", None),
        ("torch.autograd.grad(y.sum(), x)", None),
        ("torch.add(x, 1, out=x)", None),
        ("torch.nn.functional.relu(x, True)", None),
        ("f()", None),
        ("m(x)", None),
        ("exec('x.zero_()')", None),
        ("class C:\n    pass", None),
        ("@staticmethod\ndef g():\n    pass", None),
    ],
)
def test_which_examples_can_change_only_the_names_they_bind(source: str, expected: set[str] | None) -> None:
    with Session() as session:
        for setup in ["import torch", "x = torch.ones(2, requires_grad=True)", "n = 0", "xs = [x]"]:
            session.run(setup + "\n")
        session.run("m = torch.nn.Linear(2, 1)\n")
        session.run("def f():\n    pass\n")
        assert {"x", "xs", "m", "f"} <= set(session.namespace)
        assert touched.names_changed(source, session.namespace, session.torch.Tensor) == expected


def test_a_file_of_new_names_reads_each_tensor_a_bounded_number_of_times(tmp_path, monkeypatch) -> None:
    # Counting reads, not time: 400 examples each binding a new name. Reading every name after every
    # example would be 400 * 401 / 2 = 80,200 reads.
    path = tmp_path / "names.txt"
    path.write_text(">>> import torch\n" + "".join(f">>> t{i} = torch.ones(1)\n" for i in range(400)))
    calls = []
    state = gradreport._state
    monkeypatch.setattr(gradreport, "_state", lambda t: calls.append(1) or state(t))
    with Session() as session:
        for ex in parse_file(path).examples:
            session.run(ex.source)
    assert len(calls) <= 2 * 400


def test_check_over_the_child_process_gives_the_same_report(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_text(EXAMPLES)
    (outcome,) = run_files([str(path)], Options())
    assert [e.report for e in outcome.result.examples] == reports(path, incremental=False)
