"""Running many files: each in a forked child process, up to N at once, so no state leaks between files.

The parent imports the backend before forking, so a child starts with it loaded and pristine. A
single file runs in this process (no fork: the fastest start). Where fork is missing (Windows),
files run one after another in this process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
from collections.abc import Callable

from gradsh.report.model import FAILED, ExampleResult, FileResult
from gradsh.transcript.backend import BackendError, load
from gradsh.transcript.runner import FileOutcome, Options, run_file

Done = Callable[[FileOutcome], None]


def run_files(paths: list[str], options: Options, jobs: int = 1, on_done: Done | None = None) -> list[FileOutcome]:
    """Run every file; outcomes come back in the order of `paths`. `on_done` is called as each finishes."""
    if len(paths) <= 1 or not hasattr(os, "fork"):
        outcomes = []
        for path in paths:
            outcomes.append(run_file(path, options))
            if on_done:
                on_done(outcomes[-1])
        return outcomes
    return _forked(paths, options, max(1, jobs), on_done)


def run_isolated(path: str, options: Options) -> FileOutcome:
    """Run one file in a forked child even though it is alone (the pytest plugin: keep the caller's process clean)."""
    if not hasattr(os, "fork"):
        return run_file(path, options)
    if options.backend != "torch":
        with contextlib.suppress(BackendError):  # the child reports it
            load(options.backend)  # imported once here, so each forked child starts with it loaded
    return _forked([path], options, 1, None)[0]


def _child(path: str, options: Options, write_fd: int) -> None:
    status = 0
    try:
        data = pickle.dumps(run_file(path, options))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(data)
    except BaseException:  # noqa: BLE001 - any failure is reported as a crashed file
        status = 1
    finally:
        # A transcript may leave threads behind; the result is sent, so do not wait for them.
        os._exit(status)


def _crashed(path: str, status: int) -> FileOutcome:
    how = f"signal {-status}" if status < 0 else f"status {status}"
    example = ExampleResult(path, 0, "", "", "", FAILED, reason=f"the process running this file died ({how})")
    return FileOutcome(FileResult(path, [example]))


def _forked(paths: list[str], options: Options, jobs: int, on_done: Done | None) -> list[FileOutcome]:
    results: dict[int, FileOutcome] = {}
    pending = list(enumerate(paths))
    running: dict[int, tuple[int, int, bytearray]] = {}  # read fd -> (index, pid, data)
    selector = selectors.DefaultSelector()
    try:
        while pending or running:
            while pending and len(running) < jobs:
                index, path = pending.pop(0)
                read_fd, write_fd = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(read_fd)
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    _child(path, options, write_fd)
                os.close(write_fd)
                running[read_fd] = (index, pid, bytearray())
                selector.register(read_fd, selectors.EVENT_READ)
            for key, _ in selector.select():
                fd = key.fd
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    running[fd][2].extend(chunk)
                    continue
                selector.unregister(fd)
                os.close(fd)
                index, pid, data = running.pop(fd)
                _, status = os.waitpid(pid, 0)
                code = os.waitstatus_to_exitcode(status)
                outcome = pickle.loads(bytes(data)) if code == 0 and data else _crashed(paths[index], code or 1)
                results[index] = outcome
                if on_done:
                    on_done(outcome)
    finally:
        for fd, (_, pid, _) in running.items():
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)
        selector.close()
    return [results[i] for i in range(len(paths))]
