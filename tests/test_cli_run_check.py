"""`gradsh run` and `gradsh check` as users run them: the installed command in a subprocess, and CliRunner."""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradsh.cli import app

HERE = Path(__file__).parent
SEED = HERE.parent / "scripts" / "seed_article_2.txt"
PASSING = ">>> 1 + 1\n2\n"
FAILING = "Some prose.\n\n>>> 1 + 1\n3\n>>> 2\n2\n"


def gradsh_command() -> list[str]:
    script = Path(sysconfig.get_path("scripts")) / "gradsh"
    if not script.exists():
        pytest.fail(f"no console script at {script}: install the package first (pip install -e '.[test]')")
    return [str(script)]


def gradsh(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        gradsh_command() + list(args),
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def assert_clean_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# --- exit status 0 / 1 / 2, through the real command -------------------------------------------------------


def test_check_seed_article_passes_with_exit_0() -> None:
    result = gradsh("check", str(SEED))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("21 passed, 0 failed (1 file in ")


def test_check_failure_exits_1_with_file_line_diff_and_report(tmp_path) -> None:
    path = write(
        tmp_path, "f.txt", ">>> import torch\n>>> x = torch.ones(2, requires_grad=True); x.sum()\ntensor(3.)\n"
    )
    result = gradsh("check", str(path))
    assert result.returncode == 1
    assert f"FAILED {path}:2\n" in result.stdout
    assert "Expected:\n      tensor(3.)\n  Got:\n      tensor(2., grad_fn=<SumBackward0>)\n" in result.stdout
    assert "  x (new): [2] float32 requires_grad=True is_leaf=True\n" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("1 passed, 1 failed")


def test_run_replays_with_output_and_report_and_exits_0_even_on_mismatch(tmp_path) -> None:
    result = gradsh("run", str(SEED))
    assert result.returncode == 0, result.stderr
    assert (
        ">>> b = a * 2\n  b (new): [3, 4] float32 requires_grad=True is_leaf=False grad_fn=<MulBackward0>\n"
        in result.stdout
    )
    assert "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn\n" in result.stdout
    assert "warning: UserWarning: The .grad attribute of a Tensor that is not a leaf" in result.stdout
    mismatch = gradsh("run", str(write(tmp_path, "m.txt", FAILING)))
    assert mismatch.returncode == 0 and "<-- differs from the transcript" in mismatch.stdout


def test_missing_file_exits_2(tmp_path) -> None:
    for command in ("run", "check"):
        assert_clean_error(
            gradsh(command, str(tmp_path / "nope.txt")), f"{tmp_path / 'nope.txt'}: no such file or folder"
        )


def test_undecodable_bytes_exit_2_with_file_line_and_nothing_written(tmp_path) -> None:
    bad = write(tmp_path, "bad.txt", b">>> 1\n1\n\xff\n")
    good = write(tmp_path, "good.txt", FAILING)
    junit = tmp_path / "out.xml"
    result = gradsh("check", "--fix", "--junit-xml", str(junit), str(good), str(bad))
    assert_clean_error(result, f"{bad}:3: cannot decode byte 0xff as utf-8")
    assert good.read_text() == FAILING and not junit.exists()


def test_malformed_example_exits_2_with_its_line(tmp_path) -> None:
    assert_clean_error(gradsh("check", str(write(tmp_path, "m.txt", "text\n>>>1\n"))), "m.txt:2: lacks blank after >>>")


def test_unknown_option_exits_2() -> None:
    result = gradsh("check", "--no-such-option", str(SEED))
    assert result.returncode == 2 and "--no-such-option" in result.stderr and "Traceback" not in result.stderr


def test_no_examples_in_any_path_exits_2_but_one_empty_file_among_others_is_listed(tmp_path) -> None:
    empty = write(tmp_path, "empty.txt", "Just prose.\n")
    assert_clean_error(gradsh("check", str(empty)), "no examples found in")
    assert_clean_error(gradsh("check", str(write(tmp_path, "folder/notes.py", "x = 1\n")).rsplit("/", 1)[0]))
    result = gradsh("check", str(empty), str(write(tmp_path, "ok.txt", PASSING)))
    assert result.returncode == 0 and f"{empty}: no examples" in result.stdout


def test_backend_torch_without_torch_exits_2(tmp_path) -> None:
    # A `torch` that cannot be imported stands for a machine without PyTorch.
    write(tmp_path, "fake/torch/__init__.py", "raise ImportError('No module named torch')\n")
    result = gradsh("check", "--backend", "torch", str(SEED), env={"PYTHONPATH": str(tmp_path / "fake")})
    assert_clean_error(result, "--backend torch needs PyTorch, which is not installed", "pip install torch==2.13.0")


def test_folders_are_searched_for_transcripts(tmp_path) -> None:
    write(tmp_path, "docs/a.md", f"```pycon\n{PASSING}```\n")
    write(tmp_path, "docs/sub/b.rst", "Text::\n\n    >>> 1 + 1\n    2\n")
    write(tmp_path, "docs/c.pycon", PASSING)
    write(tmp_path, "docs/mod.py", f'"""\n{FAILING}"""\n')  # .py only when named or globbed
    write(tmp_path, "docs/.hidden/d.txt", FAILING)
    result = gradsh("check", "-v", str(tmp_path / "docs"))
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1].startswith("3 passed, 0 failed (3 files")
    globbed = gradsh("check", "--glob", "*.py", str(tmp_path / "docs"))
    assert globbed.returncode == 1 and "mod.py:4" in globbed.stdout


def test_fix_rewrites_then_check_passes(tmp_path) -> None:
    path = write(tmp_path, "f.txt", FAILING.replace("\n", "\r\n"))
    result = gradsh("check", "--fix", str(path))
    assert result.returncode == 0, result.stdout
    assert path.read_bytes() == b"Some prose.\r\n\r\n>>> 1 + 1\r\n2\r\n>>> 2\r\n2\r\n"
    assert gradsh("check", str(path)).returncode == 0


def test_timeout_fails_the_example(tmp_path) -> None:
    path = write(tmp_path, "slow.txt", ">>> import time\n>>> time.sleep(30)\n>>> 1\n1\n")
    result = gradsh("check", "--timeout", "0.5", str(path))
    assert result.returncode == 1
    assert "TimeoutError: the example ran longer than 0.5 s (--timeout) and was stopped" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("2 passed, 1 failed")


def test_parallel_jobs_give_the_same_results_and_files_do_not_share_state(tmp_path) -> None:
    leaky = ">>> import torch\n>>> torch.is_grad_enabled()\nTrue\n>>> _ = torch.set_grad_enabled(False)\n"
    paths = [str(write(tmp_path, f"f{i}.txt", leaky)) for i in range(4)]
    serial, parallel = gradsh("check", *paths), gradsh("check", "-j", "3", *paths)
    assert serial.returncode == parallel.returncode == 0, serial.stdout
    assert (
        serial.stdout.splitlines()[-1].split(" (")[0]
        == parallel.stdout.splitlines()[-1].split(" (")[0]
        == ("12 passed, 0 failed")
    )


def test_json_and_junit_from_the_command(tmp_path) -> None:
    path = write(tmp_path, "f.txt", FAILING)
    junit = tmp_path / "r.xml"
    result = gradsh("check", "--format", "json", "--junit-xml", str(junit), str(path))
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["exit_code"] == 1 and doc["totals"]["failed"] == 1
    assert junit.read_text().startswith('<?xml version="1.0" encoding="utf-8"?>\n<testsuites')


def test_color_on_a_terminal_only(tmp_path) -> None:
    assert "\x1b[" not in gradsh("check", "-v", str(SEED)).stdout  # NO_COLOR in the environment
    runner = CliRunner()
    assert "\x1b[" not in runner.invoke(app, ["check", "--no-color", str(SEED)]).output


@pytest.mark.parametrize("jobs", ["1", "2"])  # one process, and the warm workers (workers.py)
def test_check_does_not_import_prompt_toolkit_rich_or_typer_when_piped(tmp_path, jobs: str) -> None:
    # Start-up is part of the product: a well-formed check runs without the REPL's, rich's or typer's imports.
    other = write(tmp_path, "other.txt", PASSING)
    code = (
        "import sys\nfrom gradsh.entry import main\nsys.argv = ['gradsh', 'check', '-j', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('prompt_toolkit', 'rich', 'typer', 'pydantic')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, jobs, str(SEED), str(other)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr


# --- the same contracts through CliRunner (in process) ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["check", "{passing}"], 0),
        (["check", "{failing}"], 1),
        (["check", "{missing}"], 2),
        (["run", "{failing}"], 0),
        (["check", "--bogus", "{passing}"], 2),
        (["check", "-j", "0", "{passing}"], 2),
        (["check"], 2),
    ],
)
def test_exit_codes_with_clirunner(tmp_path, args: list[str], code: int) -> None:
    names = {
        "passing": write(tmp_path, "p.txt", PASSING),
        "failing": write(tmp_path, "f.txt", FAILING),
        "missing": tmp_path / "missing.txt",
    }
    argv = [a.format(**{k: str(v) for k, v in names.items()}) for a in args]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_help_lists_run_and_check() -> None:
    result = gradsh("--help")
    assert result.returncode == 0 and "run" in result.stdout and "check" in result.stdout


def test_run_v_lists_every_tensor_of_a_long_list(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text(">>> import torch\n>>> ts = [torch.ones(2) for _ in range(7)]\n")
    short = subprocess.run([sys.executable, "-m", "gradsh", "run", "t.txt", "--no-color"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False).stdout
    full = subprocess.run([sys.executable, "-m", "gradsh", "run", "-v", "t.txt", "--no-color"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False).stdout
    assert "ts (new): list of 7 tensors, all [2] float32" in short and "ts[6]" not in short
    assert "ts[6] (new)" in full and "list of 7 tensors" not in full
