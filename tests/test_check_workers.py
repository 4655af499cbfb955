"""`check -j N` through warm workers (workers.py), and the warm-up before the first fork (warm.py).

The workers must give what the one-process pool gives, file for file; every file must still start from
the same pristine state (nothing leaks from one file into the next in a worker); a worker that dies costs
only the file it was running; Ctrl-C and --timeout behave as in the one-process pool. The warm-up must
leave nothing a transcript can see.
"""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gradsh.report.model import FAILED, NOT_RUN, PASSED, SKIPPED
from gradsh.transcript import warm, workers
from gradsh.transcript.pool import run_files
from gradsh.transcript.runner import Options
from gradsh.transcript.session import Session

# Each file checks that it starts pristine, then changes what a leak would carry into the next file.
LEAKY = (
    ">>> import torch, builtins, sys\n"
    ">>> torch.is_grad_enabled(), hasattr(builtins, 'leaked'), 'leaked' in sys.modules, hasattr(torch.Tensor, 'leaked')\n"
    "(True, False, False, False)\n"
    ">>> builtins.leaked = 1; sys.modules['leaked'] = sys; _ = torch.set_grad_enabled(False)\n"
    ">>> torch.Tensor.leaked = 2\n"
)


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def _comparable(outcome) -> dict:
    result = dataclasses.asdict(outcome.result)
    result["duration"] = None
    for example in result["examples"]:
        example["duration"] = None
    return result


def test_no_state_leaks_from_one_file_into_the_next_in_a_worker(tmp_path) -> None:
    paths = [write(tmp_path, f"f{i}.txt", LEAKY) for i in range(6)]
    outcomes = run_files(paths, Options(), jobs=2)
    assert [[e.verdict for e in o.result.examples] for o in outcomes] == [[PASSED] * 4] * 6


def test_workers_give_what_one_process_gives(tmp_path) -> None:
    paths = [
        write(
            tmp_path,
            "pass.txt",
            ">>> import torch\n>>> torch.ones(2, requires_grad=True).sum()\ntensor(2., grad_fn=<SumBackward0>)\n",
        ),
        write(tmp_path, "fail.txt", "prose\n\n>>> 1 + 1\n3\n>>> print('x')  # doctest: +SKIP\ny\n"),
        write(tmp_path, "bad.txt", b">>> '\xff'\n"),  # not UTF-8: an unusable file
        write(tmp_path, "empty.txt", "no examples here\n"),
        write(tmp_path, "dies.txt", ">>> 1\n1\n>>> import os; os._exit(3)\n>>> 2\n2\n"),
        write(
            tmp_path,
            "warns.txt",
            ">>> import warnings; warnings.warn('careful')\n>>> import os\n>>> _ = os.write(2, b'raw\\n')\n",
        ),
    ]
    one = run_files(paths, Options(), jobs=1)
    workers = run_files(paths, Options(), jobs=2)
    assert [_comparable(o) for o in workers] == [_comparable(o) for o in one]
    assert [e.verdict for e in one[1].result.examples] == [FAILED, SKIPPED]
    assert one[2].result.error and [e.verdict for e in one[4].result.examples] == [PASSED, FAILED, NOT_RUN]


def test_fix_through_workers(tmp_path) -> None:
    paths = [write(tmp_path, f"f{i}.txt", f">>> {i} + 1\n0\n") for i in range(3)]
    outcomes = run_files(paths, Options(fix=True), jobs=2)
    assert [o.new_bytes for o in outcomes] == [f">>> {i} + 1\n{i + 1}\n".encode() for i in range(3)]


def test_timeout_in_a_worker_is_enforced_from_outside(tmp_path) -> None:
    hostile = ">>> import numpy as np\n>>> _ = np.broadcast_to(np.ones(1), (10**12,)).sum()\n>>> 2\n2\n"
    paths = [write(tmp_path, "slow.txt", hostile), write(tmp_path, "good.txt", ">>> 1\n1\n")]
    start = time.monotonic()
    slow, good = run_files(paths, Options(timeout=0.5), jobs=2)
    assert time.monotonic() - start < 0.5 + 5
    assert [e.verdict for e in slow.result.examples] == [PASSED, FAILED, NOT_RUN]
    assert slow.result.examples[1].exception.type == "TimeoutError"
    assert [e.verdict for e in good.result.examples] == [PASSED]


def test_a_worker_that_dies_costs_only_the_file_it_ran(tmp_path) -> None:
    # The file's process kills its parent, the worker: that file is reported, the others still run.
    killer = (
        ">>> 1\n1\n>>> import os, signal; os.kill(os.getppid(), signal.SIGKILL)\n>>> import time; time.sleep(0.2)\n"
    )
    paths = [write(tmp_path, "killer.txt", killer)] + [write(tmp_path, f"f{i}.txt", ">>> 1\n1\n") for i in range(4)]
    outcomes = run_files(paths, Options(), jobs=2)
    killed = outcomes[0].result.examples
    assert [e.verdict for e in killed] == [NOT_RUN] * 3
    assert "died (killed by signal 9 (SIGKILL))" in killed[0].reason
    assert [[e.verdict for e in o.result.examples] for o in outcomes[1:]] == [[PASSED]] * 4


def test_ctrl_c_through_workers_reports_the_results_so_far(tmp_path) -> None:
    marker = tmp_path / "started"
    files = [write(tmp_path, "a.txt", ">>> 1 + 1\n3\n")]
    files.append(
        write(tmp_path, "b.txt", f">>> 3\n3\n>>> import time; _ = open({str(marker)!r}, 'w'); time.sleep(60)\n")
    )
    files += [write(tmp_path, f"c{i}.txt", ">>> import time; time.sleep(0.3)\n") for i in range(6)]
    argv = [sys.executable, "-m", "gradsh", "check", "-j", "2", "--format", "json", *files]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (out, err)
    report = json.loads(out)
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    assert [e["verdict"] for e in by_name["b.txt"]["examples"]] == [PASSED, NOT_RUN]
    assert "interrupted (Ctrl-C)" in by_name["b.txt"]["examples"][1]["reason"]
    assert "Traceback" not in err


def test_the_warm_up_shows_nothing_warns_of_nothing_and_fails_only_where_meant() -> None:
    with Session() as session:
        runs = [session.run(source) for source in warm.WARM_UP]
    assert all(run.got == "" and not run.warnings and not run.stderr for run in runs)
    assert [run.exception is not None for run in runs] == [False] * (len(runs) - 1) + [True]


PROBE = """\
import sys
import gradsh.torch as torch
from gradsh.transcript.runner import Options, run_file
from gradsh.transcript.pool import run_files
from gradsh.transcript import warm, workers
path = sys.argv[1]
state = torch.get_rng_state().clone()
if sys.argv[2] == "warm":
    (outcome,) = run_files([path], Options())
    assert warm._done
else:
    outcome = run_file(path, Options())
    assert not warm._done
got = [e.got for e in outcome.result.examples]
torch.set_rng_state(state)
assert got[2] == repr(torch.randn(3)) + "\\n", got  # the default generator was where the warm-up found it
print(got[3:])
"""

# What a warm-up could leave behind: the default generator advanced, `_` bound, a setting changed, a hook.
PROBE_FILE = (
    ">>> import torch, builtins\n>>> underscore = hasattr(builtins, '_')\n>>> torch.randn(3)\n>>> underscore\n"
    ">>> torch.is_grad_enabled(), torch.is_inference_mode_enabled(), torch.get_default_dtype()\n"
    ">>> torch.tensor([1.123456789])\n>>> torch.is_anomaly_enabled()\n"
)


def test_a_file_after_the_warm_up_sees_what_a_fresh_process_sees(tmp_path) -> None:
    path = write(tmp_path, "probe.txt", PROBE_FILE)

    def probe(mode: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", PROBE, path, mode], capture_output=True, text=True, timeout=120, check=True
        )
        return proc.stdout

    cold, warmed = probe("cold"), probe("warm")
    assert warmed == cold and "torch.float32" in cold


@pytest.mark.parametrize("jobs", [1, 2])
def test_examples_each_within_the_timeout_pass_however_long_their_file(tmp_path, jobs: int) -> None:
    # The limit is per example: the parent, not woken between examples, must not count the whole file.
    slow = ">>> import time\n" + ">>> time.sleep(0.5)\n" * 6 + ">>> 1\n1\n"  # 3 s, past 1 s + GRACE
    paths = [write(tmp_path, "slow.txt", slow), write(tmp_path, "quick.txt", ">>> 1\n1\n")]
    slow_outcome, _ = run_files(paths, Options(timeout=1.0), jobs=jobs)
    assert [e.verdict for e in slow_outcome.result.examples] == [PASSED] * 8


def test_workers_stop_when_their_parent_is_killed(tmp_path) -> None:
    # A CI's time limit may SIGKILL gradsh itself: its workers (process groups of their own) must not check on.
    marker = tmp_path / "worker.pid"
    slow = f">>> import os, time\n>>> _ = open({str(marker)!r}, 'w').write(str(os.getppid())); time.sleep(60)\n"
    paths = [write(tmp_path, "slow.txt", slow), write(tmp_path, "other.txt", ">>> 1\n1\n")]
    code = "import sys\nfrom gradsh.transcript.pool import run_files\nfrom gradsh.transcript.runner import Options\n"
    code += "run_files(sys.argv[1:], Options(), jobs=2)\n"
    proc = subprocess.Popen([sys.executable, "-c", code, *paths])
    try:
        deadline = time.monotonic() + 60
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        worker = int(marker.read_text())
        proc.kill()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _alive(worker):
            time.sleep(0.05)
        assert not _alive(worker)
    finally:
        if proc.poll() is None:
            proc.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is as good as gone: only its parent (the killed process's init) has still to reap it
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_the_queue_hands_out_every_index_once_in_order_past_a_pipe_full() -> None:
    queue = workers._Queue(40_000)  # 160 kB: several times what a pipe holds
    taken: list[int] = []
    while not queue.feed():
        while len(taken) < queue.next:
            taken.append(workers._RECORD.unpack(os.read(queue.read_fd, 4))[0])
    while (record := os.read(queue.read_fd, 4)) != b"":
        taken.append(workers._RECORD.unpack(record)[0])
    os.close(queue.read_fd)
    assert taken == list(range(40_000))
