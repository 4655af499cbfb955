"""--fix settles: an output holding an object address is written `0x...` with `# doctest: +ELLIPSIS` on its
source line, so a second --fix changes nothing and `gradsh check`, `--backend torch` and Python's doctest pass."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli_run_check import gradsh

ADDRESSES = """Prose.

>>> import torch
>>> x = torch.ones(2, requires_grad=True)
>>> y = x * 2
>>> y.grad_fn
<MulBackward0>
>>> handle = y.register_hook(lambda g: g)
>>> handle
old
>>> m = torch.nn.Linear(2, 1)
>>> m.parameters()
old
>>> for p in [m.named_parameters()]:
...     print(p, 'and', y.grad_fn)
old
>>> print(y.grad_fn.next_functions[0][0])  # doctest: +ELLIPSIS
<AccumulateGrad object at 0x7f0000000000>
"""
ADDRESSES_FIXED = """Prose.

>>> import torch
>>> x = torch.ones(2, requires_grad=True)
>>> y = x * 2
>>> y.grad_fn  # doctest: +ELLIPSIS
<MulBackward0 object at 0x...>
>>> handle = y.register_hook(lambda g: g)
>>> handle  # doctest: +ELLIPSIS
<torch.utils.hooks.RemovableHandle object at 0x...>
>>> m = torch.nn.Linear(2, 1)
>>> m.parameters()  # doctest: +ELLIPSIS
<generator object Module.parameters at 0x...>
>>> for p in [m.named_parameters()]:  # doctest: +ELLIPSIS
...     print(p, 'and', y.grad_fn)
<generator object Module.named_parameters at 0x...> and <MulBackward0 object at 0x...>
>>> print(y.grad_fn.next_functions[0][0])  # doctest: +ELLIPSIS
<AccumulateGrad object at 0x...>
"""
MARKDOWN = "# Hooks\n\n```pycon\n>>> import torch\n>>> torch.Generator()\nold\n```\n"
MODULE = '''"""A module whose docstring shows a handle.

>>> h = handle(torch.ones(1, requires_grad=True))
>>> h
old
"""

import torch


def handle(t):
    return t.register_hook(lambda g: g)
'''


def files(tmp_path: Path) -> list[Path]:
    written = []
    for name, text in (("addresses.txt", ADDRESSES), ("hooks.md", MARKDOWN), ("handles.py", MODULE)):
        (tmp_path / name).write_text(text)
        written.append(tmp_path / name)
    return written


def contents(paths: list[Path]) -> list[bytes]:
    return [p.read_bytes() for p in paths]


@pytest.mark.parametrize("backend", ["gradsh", "torch"])
def test_fix_twice_settles_and_check_passes_on_both_backends(tmp_path: Path, backend: str) -> None:
    if backend == "torch":
        pytest.importorskip("torch")
    paths = [str(p) for p in files(tmp_path)]
    first = gradsh("check", "--fix", "--backend", backend, *paths)
    assert first.returncode == 0, first.stdout + first.stderr
    fixed = contents(files_in(tmp_path))
    second = gradsh("check", "--fix", "--backend", backend, *paths)
    assert second.returncode == 0 and contents(files_in(tmp_path)) == fixed  # nothing changed
    assert "FIXED" not in second.stdout
    for check_backend in ("gradsh", "torch") if backend == "torch" else ("gradsh",):
        again = gradsh("check", "--backend", check_backend, *paths)
        assert again.returncode == 0, again.stdout
    # Only expected outputs change, and the directive comment on an example that did not have ELLIPSIS.
    assert (tmp_path / "addresses.txt").read_text() == ADDRESSES_FIXED
    assert (
        "```pycon\n>>> import torch\n>>> torch.Generator()  # doctest: +ELLIPSIS\n"
        in (tmp_path / "hooks.md").read_text()
    )
    assert (
        ">>> h  # doctest: +ELLIPSIS\n<torch.utils.hooks.RemovableHandle object at 0x...>\n"
        in (tmp_path / "handles.py").read_text()
    )


def files_in(tmp_path: Path) -> list[Path]:
    return sorted(p for p in tmp_path.iterdir() if p.is_file())


@pytest.mark.parity
def test_fixed_files_pass_pythons_doctest_with_real_torch(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    paths = files(tmp_path)
    assert gradsh("check", "--fix", *map(str, paths)).returncode == 0
    for path in (tmp_path / "addresses.txt", tmp_path / "handles.py"):
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "doctest", str(path)],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stdout


def test_no_line_for_the_directive_leaves_the_example_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text(">>> import torch\n>>> torch.Generator()  # a comment\nold\n")
    result = gradsh("check", "--fix", str(path))
    assert result.returncode == 1 and "no line of it can take `# doctest: +ELLIPSIS`" in result.stdout
    assert path.read_text().endswith("# a comment\nold\n")


def test_expected_traceback_body_is_kept_and_left_out_of_the_diff(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text(
        ">>> import torch\n>>> torch.ones(2).sum().backward()\nTraceback (most recent call last):\n  ...\n"
        "RuntimeError: old message\n"
    )
    failed = gradsh("check", str(path))
    assert "-RuntimeError: old message" in failed.stdout
    assert "  ..." not in [line.strip() for line in failed.stdout.split("\n") if line.strip().startswith(("-", "+"))]
    assert "-  ..." not in failed.stdout.replace(" ", "") and "+..." not in failed.stdout.replace(" ", "")
    assert gradsh("check", "--fix", str(path)).returncode == 0
    assert path.read_text().endswith(
        "Traceback (most recent call last):\n  ...\nRuntimeError: element 0 of tensors does not require grad and "
        "does not have a grad_fn\n"
    )


def hook(name: str) -> tuple[list[str], re.Pattern[str]]:
    """The `entry` and `files` of a hook in .pre-commit-hooks.yaml (read as pre-commit reads them)."""
    text = (Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text()
    block = re.split(rf"^- id: {name}$", text, maxsplit=1, flags=re.MULTILINE)[1].split("\n- id:", 1)[0]
    fields = dict(re.findall(r"^  (\w+): (.*)$", block, re.MULTILINE))
    return shlex.split(fields["entry"]), re.compile(fields["files"])


def test_pre_commit_fix_hook_passes_on_its_second_run(tmp_path: Path) -> None:
    """What pre-commit does: run the hook's entry on the matching files; it fails when the command fails or
    changes a file. The first run fixes (pre-commit reports the change), the second must pass."""
    entry, pattern = hook("gradsh-fix")
    assert entry[0] == "gradsh"
    files(tmp_path)
    matching = [str(p) for p in files_in(tmp_path) if pattern.search(p.name)]
    assert matching
    runs = []
    for _ in range(2):
        before = contents(files_in(tmp_path))
        done = gradsh(*entry[1:], *matching)
        runs.append(done.returncode == 0 and contents(files_in(tmp_path)) == before)
    assert runs == [False, True]
    assert gradsh(*hook("gradsh-check")[0][1:], *matching).returncode == 0
