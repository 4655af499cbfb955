"""The `gradsh` command as a user runs it: the installed console script and `python -m gradsh`."""

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import gradsh


def console_script() -> str:
    script = Path(sysconfig.get_path("scripts")) / "gradsh"
    if not script.exists():
        pytest.fail(f"no console script at {script}: install the package first (pip install -e '.[test]')")
    return str(script)


COMMANDS = {"console script": lambda: [console_script()], "python -m gradsh": lambda: [sys.executable, "-m", "gradsh"]}


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=False, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("how", COMMANDS)
def test_version(how: str) -> None:
    result = run(COMMANDS[how]() + ["--version"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"gradsh {gradsh.__version__}\n"


@pytest.mark.parametrize("how", COMMANDS)
def test_help(how: str) -> None:
    result = run(COMMANDS[how]() + ["--help"])
    assert result.returncode == 0, result.stderr
    assert "Usage: gradsh" in result.stdout and "--version" in result.stdout


def test_unknown_option_exits_2() -> None:
    result = run([sys.executable, "-m", "gradsh", "--no-such-option"])
    assert result.returncode == 2
    assert "--no-such-option" in result.stderr


def test_version_string() -> None:
    assert gradsh.__version__ == "0.1.0"


def test_import_gradsh_stays_light() -> None:
    # Startup is part of the product: the package root must not pull in the CLI or the engine's dependencies.
    code = (
        "import sys, gradsh; print(sorted(m for m in ('typer', 'rich', 'numpy', 'prompt_toolkit') if m in sys.modules))"
    )
    result = run([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
