"""Docstrings of .py files run with their module's globals, as Python's doctest runs them.

The sample package tests/data/docpkg has docstrings that use their module's own functions, a relative
import and torch; docpkg/failing.py fails in three places, where `doctest` fails too (the parity test).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli_run_check import gradsh

DATA = Path(__file__).parent / "data" / "docpkg"
PASSING = ["__init__.py", "helpers.py", "ops.py"]
FAILING = {
    ("docpkg.failing", ">>> torch.tensor([1.0, 2.0]).sum()\n"),
    ("docpkg.failing.sees_nothing_else", ">>> left_over\n"),
    ("docpkg.failing.raises", ">>> torch.ones(2).sum().backward()\n"),
}

pytest_plugins = ["pytester"]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the sample package (importing it writes __pycache__, which stays out of tests/data)."""
    shutil.copytree(DATA, tmp_path / "docpkg", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "docpkg"


def failures(document: dict) -> set[tuple[str, str]]:
    return {
        (ex["name"], ">>> " + ex["source"].split("\n")[0] + "\n")
        for f in document["files"]
        for ex in f["examples"]
        if ex["verdict"] == "failed"
    }


@pytest.mark.parametrize("backend", ["gradsh", "torch"])
def test_the_package_passes_with_its_module_globals(package: Path, backend: str) -> None:
    if backend == "torch":
        pytest.importorskip("torch")
    result = gradsh("check", "--backend", backend, "--format", "json", *(str(package / n) for n in PASSING))
    document = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout
    names = {ex["name"] for f in document["files"] for ex in f["examples"]}
    assert names == {
        "docpkg",
        "docpkg.ops",
        "docpkg.ops.double",
        "docpkg.ops.Scaler",
        "docpkg.ops.Scaler.apply",
        "docpkg.helpers.square",
    }


def test_glob_collects_modules_and_fails_where_doctest_does(package: Path) -> None:
    result = gradsh("check", "--glob", "*.py", "--format", "json", str(package))
    assert result.returncode == 1, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert failures(document) == FAILING
    assert document["totals"]["passed"] == 19


def test_reports_name_examples_by_module_and_function(package: Path, tmp_path: Path) -> None:
    junit = tmp_path / "r.xml"
    result = gradsh("check", "--glob", "*.py", "--junit-xml", str(junit), str(package))
    assert "failing.py:24 (docpkg.failing.sees_nothing_else)" in result.stdout
    assert 'classname="docpkg.failing.raises"' in junit.read_text()


def test_a_module_that_fails_to_import_is_an_input_error(tmp_path: Path) -> None:
    module = tmp_path / "broken.py"
    module.write_text('"""\n>>> 1\n1\n"""\nimport torch\n\nraise ValueError("bad config")\n')
    other = tmp_path / "fine.txt"
    other.write_text(">>> 1 + 1\n2\n")
    result = gradsh("check", str(module), str(other))
    assert result.returncode == 2
    assert f'File "{module}", line 7, in <module>' in result.stderr
    assert "ValueError: bad config" in result.stderr
    assert "gradsh/" not in result.stderr and "importlib" not in result.stderr


def test_a_module_whose_import_never_ends_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    module = tmp_path / "loops.py"
    module.write_text('"""\n>>> 1\n1\n"""\nwhile True:\n    pass\n')
    result = gradsh("check", "--timeout", "1", str(module))
    assert result.returncode == 2
    assert "importing the module loops took longer than 1 s (--timeout)" in result.stderr


def test_a_module_named_like_one_gradsh_imports_is_the_users(tmp_path: Path) -> None:
    (tmp_path / "json.py").write_text('"""\n>>> MINE\n1\n"""\nMINE = 1\n')
    assert gradsh("check", str(tmp_path / "json.py")).returncode == 0


def test_functions_nested_in_functions_are_not_collected(tmp_path: Path) -> None:
    (tmp_path / "nest.py").write_text(
        'def outer():\n    def inner():\n        """\n        >>> 1\n        2\n        """\n'
    )
    result = gradsh("check", str(tmp_path / "nest.py"))
    assert result.returncode == 2 and "no examples" in result.stderr  # doctest's finder does not see inner either


def test_pytest_plugin_collects_the_package(package: Path, pytester: pytest.Pytester) -> None:
    # pytest imports a package's __init__.py itself while collecting it, and the sample's does `import torch`:
    # there that is the real one, as in any project whose docs use torch
    pytest.importorskip("torch")
    shutil.copytree(package, pytester.path / "docpkg")
    result = pytester.runpytest_subprocess("--gradsh-transcripts", "docpkg/*.py", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=19, failed=3)
    result.stdout.fnmatch_lines(["*failing.py::docpkg.failing.raises line 34 FAILED*"])
    result.stdout.fnmatch_lines(["*ops.py::docpkg.ops.double line 15 PASSED*"])


DOCTEST_FAILURES = """
import doctest, importlib, json, sys
sys.path.insert(0, sys.argv[1])
found = []
class Recorder(doctest.DocTestRunner):
    def report_failure(self, out, test, example, got):
        found.append((test.name, ">>> " + example.source.split("\\n")[0] + "\\n"))
    def report_unexpected_exception(self, out, test, example, exc_info):
        self.report_failure(out, test, example, "")
for name in sys.argv[2:]:
    module = importlib.import_module(name)
    runner = Recorder(verbose=False)
    for test in doctest.DocTestFinder().find(module):
        runner.run(test, out=lambda s: None)
print(json.dumps(found))
"""


@pytest.mark.parity
def test_fails_exactly_where_python_doctest_fails_with_real_torch(package: Path) -> None:
    pytest.importorskip("torch")
    modules = ["docpkg", "docpkg.helpers", "docpkg.ops", "docpkg.failing"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", DOCTEST_FAILURES, str(package.parent), *modules],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    by_doctest = {tuple(pair) for pair in json.loads(done.stdout)}
    assert by_doctest == FAILING
    for backend in ("gradsh", "torch"):
        ours = gradsh("check", "--glob", "*.py", "--format", "json", "--backend", backend, str(package))
        assert failures(json.loads(ours.stdout)) == by_doctest, backend
