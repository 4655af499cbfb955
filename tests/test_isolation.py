"""Every file runs in a child process: a hostile example costs only itself; timeouts are enforced from outside."""

import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gradsh import commands, fastargs
from gradsh.report import junit
from gradsh.report.model import FAILED, NOT_RUN, PASSED, RunResult
from gradsh.transcript.pool import run_files
from gradsh.transcript.runner import Options

GOOD = ">>> 1 + 1\n2\n"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def run(tmp_path: Path, hostile: str, timeout: float | None = None) -> tuple[list, list]:
    """The hostile example between two ordinary ones, in a file checked beside a good file."""
    bad = write(tmp_path, "bad.txt", f">>> 1\n1\n{hostile}>>> 2\n2\n")
    good = write(tmp_path, "good.txt", GOOD)
    bad_result, good_result = (o.result for o in run_files([bad, good], Options(timeout=timeout)))
    assert [e.verdict for e in good_result.examples] == [PASSED]
    return bad_result.examples, [e.verdict for e in bad_result.examples]


def test_os_exit_fails_its_example_and_the_rest_is_not_run(tmp_path) -> None:
    examples, verdicts = run(tmp_path, ">>> import os; os._exit(3)\n")
    assert verdicts == [PASSED, FAILED, NOT_RUN]
    assert "died (exit status 3)" in examples[1].reason
    assert examples[2].reason.startswith("not run: the file's process stopped at line 3")


def test_a_signal_is_named(tmp_path) -> None:
    examples, verdicts = run(tmp_path, ">>> import os, signal; os.kill(os.getpid(), signal.SIGKILL)\n")
    assert verdicts == [PASSED, FAILED, NOT_RUN] and "signal 9 (SIGKILL)" in examples[1].reason


def test_single_file_runs_in_a_child_too(tmp_path) -> None:
    path = write(
        tmp_path, "one.txt", ">>> import os\n>>> os.getpid() == PARENT\nFalse\n".replace("PARENT", str(os.getpid()))
    )
    (outcome,) = run_files([path], Options())
    assert [e.verdict for e in outcome.result.examples] == [PASSED, PASSED]


@pytest.mark.parametrize(
    "hostile",
    [
        ">>> raise KeyboardInterrupt\n",
        ">>> import sys; sys.stdout.close()\n",
        ">>> import os; os.close(1); os.close(2)\n",
        ">>> raise SystemExit(4)\n",
    ],
)
def test_hostile_examples_fail_alone_and_the_file_goes_on(tmp_path, hostile: str) -> None:
    _, verdicts = run(tmp_path, hostile)
    assert verdicts[0] == PASSED and verdicts[2] == PASSED


def test_output_written_to_the_file_descriptors_is_kept_with_the_example(tmp_path) -> None:
    examples, _ = run(tmp_path, ">>> import os; _ = os.write(1, b'raw one\\n'); _ = os.write(2, b'raw two\\n')\n")
    assert examples[1].stderr == "raw one\nraw two\n" and examples[2].stderr == ""


@pytest.mark.parametrize(
    "hostile",
    [
        # The session's own alarm is turned off, and every exception is swallowed.
        (
            ">>> import signal\n>>> while True:\n...     try:\n"
            "...         _ = signal.signal(signal.SIGALRM, signal.SIG_IGN)\n...     except BaseException:\n...         pass\n"
        ),
        # One long numpy call: no Python bytecode runs, so no signal handler does either.
        ">>> import numpy as np\n>>> _ = np.broadcast_to(np.ones(1), (10**12,)).sum()\n",
    ],
)
def test_timeout_is_enforced_from_outside(tmp_path, hostile: str) -> None:
    start = time.monotonic()
    examples, verdicts = run(tmp_path, hostile, timeout=0.5)
    assert time.monotonic() - start < 0.5 + 5
    assert verdicts == [PASSED, PASSED, FAILED, NOT_RUN]
    assert examples[2].exception.type == "TimeoutError" and "ran longer than 0.5 s" in examples[2].reason


def test_not_run_examples_are_skipped_in_junit_with_where_it_stopped(tmp_path) -> None:
    bad = write(tmp_path, "bad.txt", ">>> import os; os._exit(1)\n>>> 2\n2\n")
    files = [o.result for o in run_files([bad], Options())]
    root = ET.fromstring(junit.render(RunResult(files, "gradsh.torch", "check")))
    skipped = root.find(".//testcase[@line='2']/skipped")
    assert skipped is not None and "stopped at line 1" in skipped.get("message")
    assert root.get("skipped") == "1" and root.get("failures") == "1"


def test_default_timeouts() -> None:
    def timeout(argv: list[str]) -> float | None:
        return commands.request_from(*fastargs.parse(argv)).options.timeout

    assert timeout(["check", "x"]) == 60.0
    assert timeout(["check", "x", "--timeout", "0"]) is None
    assert timeout(["run", "x"]) is None


def test_pre_commit_hooks_take_the_default_timeout() -> None:
    hooks = (Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text()
    assert "entry: gradsh check\n" in hooks and "--timeout 0" not in hooks


def test_ctrl_c_reports_the_results_so_far_and_exits_130(tmp_path) -> None:
    first = write(tmp_path, "a.txt", ">>> 1 + 1\n3\n")
    marker, junit_file = tmp_path / "started", tmp_path / "r.xml"
    second = write(tmp_path, "b.txt", f">>> 3\n3\n>>> import time; _ = open({str(marker)!r}, 'w'); time.sleep(60)\n")
    options = ["--fix", "--junit-xml", str(junit_file), "--no-color", "-j", "1"]  # files in order: a.txt ends first
    argv = [sys.executable, "-m", "gradsh", "check", *options, first, second]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in out + err
    assert "b.txt:3" in out and "interrupted (Ctrl-C)" in out
    assert "1 passed, 1 failed, 1 not run" in out
    assert Path(first).read_text() == ">>> 1 + 1\n3\n" and not junit_file.exists()  # an unfinished run writes nothing
