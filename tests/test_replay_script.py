"""scripts/replay_seed.py, the README's main-job command, on the fake backend (its exit codes and messages)."""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCRIPT = HERE.parent / "scripts" / "replay_seed.py"
HARNESS = HERE / "harness"


def replay(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(HARNESS)}  # where the fake backend lives
    argv = [sys.executable, str(SCRIPT), *args]
    return subprocess.run(
        argv, check=False, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, env=env
    )


def test_all_passing_exits_0_and_shows_each_example() -> None:
    result = replay(str(HARNESS / "passing.txt"), "--backend", "fake_torch")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[ok] line 6\n>>> with torch.no_grad():\n...     print(torch.is_grad_enabled())\nFalse\n" in result.stdout
    assert result.stdout.rstrip().endswith("8 passed, 0 failed")


def test_a_failure_exits_1_with_expected_and_actual() -> None:
    result = replay(str(HARNESS / "failing.txt"), "--backend", "fake_torch")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[FAILED] line 4\n>>> torch.is_grad_enabled()\nTrue\n  expected:\n  | False\n" in result.stdout
    assert "(warning) UserWarning: careful" in result.stdout
    assert result.stdout.rstrip().endswith("3 passed, 2 failed")


def test_missing_file_exits_2_naming_it() -> None:
    result = replay("no/such/transcript.txt", "--backend", "fake_torch")
    assert result.returncode == 2
    assert "no such file: no/such/transcript.txt" in result.stderr
    assert "Traceback" not in result.stderr


def test_file_without_examples_exits_2() -> None:
    result = replay(str(HARNESS / "empty.txt"), "--backend", "fake_torch")
    assert result.returncode == 2
    assert "no `>>>` examples" in result.stderr


def test_unimportable_backend_exits_2() -> None:
    result = replay(str(HARNESS / "passing.txt"), "--backend", "no_such_backend_module")
    assert result.returncode == 2
    assert "cannot import the backend 'no_such_backend_module'" in result.stderr
