"""The op registry: every Tensor method, in-place form, dunder and torch.* function comes from a declaration."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gradsh import torch
from gradsh.engine import registry
from gradsh.engine.graph import FREED_SLOT, Node


def test_every_declared_name_reaches_torch_and_tensor() -> None:
    for decl in registry.declarations():
        for name in decl.names:
            if decl.function is not None and decl.namespace == "torch":
                assert getattr(torch, name) is decl.function, name
            if decl.method is not None:
                assert getattr(torch.Tensor, name) is decl.method, name
            if decl.inplace:
                assert callable(getattr(torch.Tensor, name + "_")), name
        for dunder in decl.dunders:
            assert dunder in vars(torch.Tensor), dunder


def test_aliases_share_the_forward() -> None:
    assert torch.subtract is torch.sub and torch.Tensor.multiply is torch.Tensor.mul
    assert torch.nn.functional.log_sigmoid is torch.nn.functional.logsigmoid
    x = torch.tensor([1.0, 2.0])
    assert torch.equal(x.clip(1.5, 1.8), x.clamp(1.5, 1.8))


def test_functions_are_per_namespace() -> None:
    assert registry.functions("torch")["relu"] is not registry.functions("torch.nn.functional")["relu"]
    assert "linear" not in registry.functions("torch")
    assert "add" in registry.functions("torch")


def test_a_declaration_after_install_is_attached_at_once() -> None:
    @registry.op("gradsh_test_double", function=False)
    def gradsh_test_double(input: torch.Tensor) -> torch.Tensor:
        return input * 2

    try:
        assert torch.Tensor.gradsh_test_double is gradsh_test_double
        assert torch.equal(torch.ones(2).gradsh_test_double(), torch.full((2,), 2.0))
    finally:
        registry._DECLS.remove(next(d for d in registry._DECLS if d.name == "gradsh_test_double"))
        delattr(torch.Tensor, "gradsh_test_double")


def test_an_unknown_dunder_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dunder kind"):
        registry._dunder(lambda a, b: a, "sideways", None)


def test_release_is_compiled_from_saved() -> None:
    class SavesTwo(Node):
        __slots__ = ("a", "b", "c")
        saved = ("a", "b")

    node = SavesTwo(())
    node.a, node.b, node.c = 1, None, 3
    node.release()
    # what was saved is dropped for a marker (so `_saved_a` can say "freed"); what never was stays None
    assert (node.a, node.b, node.c, node._freed) == (FREED_SLOT, None, 3, True)
    assert SavesTwo.release is not Node.release


@pytest.mark.parametrize("module", ["gradsh.engine", "gradsh.engine.tensor", "gradsh.engine.ops.views",
                                    "gradsh.engine.nn.layers", "gradsh.engine.graph"])
def test_importing_any_engine_module_completes_tensor_and_loads_no_front_end(module: str) -> None:
    code = (
        "import sys\n"
        f"import {module}\n"
        "import gradsh.engine.tensor as t\n"
        "assert hasattr(t.Tensor, 'tanh') and hasattr(t.Tensor, 'add_') and '__matmul__' in vars(t.Tensor)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'prompt_toolkit', 'typer')\n"
        "             or m.startswith(('gradsh.torch', 'gradsh.transcript', 'gradsh.repl', 'gradsh.report',\n"
        "                              'gradsh.cli', 'gradsh.commands')))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_function_level_imports_in_the_engine_name_their_reason() -> None:
    """Imports inside functions only where a cycle needs one (or, rarely, startup time), each saying which."""
    import pathlib
    import re

    engine = pathlib.Path(__file__).resolve().parent.parent / "gradsh" / "engine"
    unexplained = []
    for path in sorted(engine.rglob("*.py")):
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            if re.match(r"\s+(from \S+ import |import )", line) and not re.search(r"# (cycle|startup): \S", line):
                if i and lines[i - 1].strip() == "if TYPE_CHECKING:":
                    continue
                unexplained.append(f"{path.relative_to(engine)}:{i + 1}: {line.strip()}")
    assert not unexplained, unexplained


def test_a_name_declared_twice_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^torch\.tanh is declared twice"):
        registry.op("tanh", method=False)(lambda input: input)
    with pytest.raises(ValueError, match=r"^Tensor\.sum is declared twice"):
        registry.op("sum", function=False)(lambda input: input)
    # the same name in another namespace is another function (torch.relu and torch.nn.functional.relu)
    before = len(registry.declarations())
    registry.op("tanh", method=False, namespace="gradsh.test_namespace")(lambda input: input)
    registry._DECLS.pop()
    assert len(registry.declarations()) == before
