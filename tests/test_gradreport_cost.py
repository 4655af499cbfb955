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


MORE_EXAMPLES = """\
>>> import torch
>>> w = torch.ones(3, requires_grad=True)
>>> v = w[:2]
>>> d = w.detach()
>>> keep = [w, d]
>>> d.add_(1)
tensor([2., 2., 2.])
>>> (w * v.sum()).sum().backward() if False else None
>>> (w * 2).sum().backward()
>>> g = w.grad
>>> w.grad.mul_(0.5)
tensor([1., 1., 1.])
>>> seen = []
>>> h = w.register_hook(lambda grad: seen.append(grad))
>>> (w * 3).sum().backward()
>>> h.remove()
>>> z = w * 2
>>> hz = z.register_hook(lambda grad: grad)
>>> w.register_post_accumulate_grad_hook(lambda t: None).remove()
>>> def rebind():
...     global late
...     late = torch.zeros(2, requires_grad=True)
>>> rebind()
>>> def fill():
...     keep.append(torch.ones(1))
>>> fill()
>>> a = torch.zeros(2)
>>> b = a
>>> b.requires_grad_()
tensor([0., 0.], requires_grad=True)
>>> a.data = torch.ones(2)
>>> m = torch.nn.Linear(2, 1)
>>> opt = torch.optim.SGD(m.parameters(), lr=0.1)
>>> m(torch.ones(2)).sum().backward()
>>> opt.step()
>>> opt.zero_grad()
>>> class Double(torch.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         return x * 2
...     @staticmethod
...     def backward(ctx, grad):
...         box.append(grad)
...         return grad * 2
>>> box = []
>>> u = torch.ones(2, requires_grad=True)
>>> Double.apply(u).sum().backward()
>>> with torch.no_grad():
...     u.zero_()
tensor([0., 0.], requires_grad=True)
>>> inf = None
>>> with torch.inference_mode():
...     inf = torch.ones(2)
>>> del b
"""


def test_the_report_is_the_same_on_views_hooks_user_code_and_optimizers(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_text(MORE_EXAMPLES)
    assert reports(path, incremental=True) == reports(path, incremental=False)


@pytest.mark.parametrize(
    ("source", "names", "others"),
    [
        ("t = torch.ones(2)", {"t"}, False),
        ("a, (b, *c) = 1, (2, 3)", {"a", "b", "c"}, False),
        ("y = x * 2 + x.sum()", {"x", "y"}, False),
        ("import numpy as np", {"np"}, False),
        ("n += 1", {"n"}, False),
        ("def g(v):\n    return v * 2", {"g"}, False),
        ("print(x)", set(), False),
        ("x.add_(1)", {"x"}, True),
        ("x += 1", {"x"}, True),
        ("x.grad = None", {"x"}, True),
        ("xs[0] = x", {"xs"}, False),
        ("xs[0][0] = 1", {"xs"}, True),
        ("xs.append(x)", {"xs"}, False),
        ("y.sum().backward()", {"y"}, True),
        ("torch.autograd.grad(y.sum(), x)", {"y"}, True),
        ("torch.add(x, 1, out=x)", set(), True),
        ("torch.nn.functional.relu(x, True)", set(), True),
        ("x.register_hook(print)", None, True),
        ("f()", None, True),
        ("m(x)", None, True),
        ("exec('x.zero_()')", None, True),
        ("class C:\n    pass", None, True),
        ("@staticmethod\ndef g():\n    pass", None, True),
    ],
)
def test_what_an_example_can_change(source: str, names: set[str] | None, others: bool) -> None:
    with Session() as session:
        for setup in ["import torch", "x = torch.ones(2, requires_grad=True)", "n = 0", "xs = [x]"]:
            session.run(setup + "\n")
        session.run("m = torch.nn.Linear(2, 1)\n")
        session.run("def f():\n    pass\n")
        assert {"x", "xs", "m", "f"} <= set(session.namespace)
        found = touched.reach(source, session.namespace, session.torch.Tensor, callbacks=False)
        assert (found.names, found.others) == (names if names is None else frozenset(names), others)
        # without a change log (real PyTorch), only an example that changes its own names alone is narrowed
        assert touched.names_changed(source, session.namespace, session.torch.Tensor) == (
            None if names is None or others else names
        )


def test_backward_runs_user_code_once_hooks_exist() -> None:
    with Session() as session:
        session.run("import torch\n")
        session.run("x = torch.ones(2, requires_grad=True)\n")
        found = touched.reach("x.sum().backward()", session.namespace, session.torch.Tensor, callbacks=True)
        assert found.names is None


def test_in_place_names_come_from_the_op_registry() -> None:
    in_place, writers = touched.registry_names()
    assert {"add_", "tanh_", "zero_", "copy_", "detach_"} <= in_place
    assert {"relu", "dropout", "hardtanh", "backward", "grad"} <= writers
    assert "add" not in in_place and "relu" not in in_place


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


def _count_reads(path, monkeypatch) -> int:
    calls = []
    state = gradreport._state
    monkeypatch.setattr(gradreport, "_state", lambda t: calls.append(1) or state(t))
    with Session() as session:
        for ex in parse_file(path).examples:
            session.run(ex.source)
    return len(calls)


def test_backward_and_in_place_examples_read_only_the_tensors_they_changed(tmp_path, monkeypatch) -> None:
    # 300 names, each made, backpropagated through, and changed in place: reading every name after each
    # backward or in-place example would be about 3 * 300 * 300 / 2 = 135,000 reads.
    path = tmp_path / "grads.txt"
    body = "".join(
        f">>> t{i} = torch.ones(1, requires_grad=True)\n>>> (t{i} * 2).sum().backward()\n"
        f">>> _ = t{i}.grad.zero_()\n>>> t{i}.requires_grad_(False).add_(1)\ntensor([2.])\n"
        for i in range(300)
    )
    path.write_text(">>> import torch\n" + body)
    assert _count_reads(path, monkeypatch) <= 6 * 300


def test_examples_running_user_code_read_no_tensor_they_did_not_change(tmp_path, monkeypatch) -> None:
    # A call of the user's function can rebind or refill any name: names are compared by identity, and only
    # those rebound or refilled (or whose tensors the engine logged as changed) are read.
    path = tmp_path / "user.txt"
    body = "".join(f">>> t{i} = torch.ones(1)\n>>> nothing()\n" for i in range(300))
    path.write_text(">>> import torch\n>>> def nothing():\n...     pass\n" + body)
    assert _count_reads(path, monkeypatch) <= 3 * 300


def test_check_over_the_child_process_gives_the_same_report(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_text(EXAMPLES)
    (outcome,) = run_files([str(path)], Options())
    assert [e.report for e in outcome.result.examples] == reports(path, incremental=False)


@pytest.mark.parity
def test_on_real_torch_writing_functions_are_told_by_signature_without_gradsh_engine() -> None:
    pytest.importorskip("torch")
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from gradsh.transcript.session import Session\n"
        "from gradsh.transcript import touched\n"
        "with Session('torch') as s:\n"
        "    for src in ['import torch', 'x = torch.ones(2)']:\n"
        "        s.run(src + '\\n')\n"
        "    reach = lambda src: touched.reach(src, s.namespace, s.torch.Tensor, callbacks=True)\n"
        "    assert reach('torch.nn.functional.relu(x, True)').others\n"
        "    assert reach('torch.nn.functional.dropout(x, 0.5, True, True)').others\n"
        "    assert not reach('y = torch.nn.functional.softmax(x, 0)').others\n"
        "    assert reach('x.add_(1)').others and not reach('y = x.add(1)').others\n"
        "    assert 'gradsh.engine.registry' not in sys.modules, 'the torch backend imported the engine'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=300)
