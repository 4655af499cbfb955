"""Running files: each in its own forked child process, results written example by example as they finish.

The parent imports the backend and warms it (warm.py) before forking, so a child starts with it
loaded and pristine, and no state leaks between files or into the parent. The child writes each
example's result as it finishes to a file the parent reads (stream.py; the parent is not woken for
each, only when the child ends or a timeout is due), so a child that dies (any exit status, a signal)
costs only the example it was running: that example fails with what happened, and the rest of its file is
NOT_RUN. `--timeout` is enforced here, from outside: an example still running `timeout + GRACE`
seconds after it started gets SIGTERM, then SIGKILL, so nothing inside it can defeat the limit
(the session's own alarm stops ordinary Python code at `timeout`, and then the file goes on).
Ctrl-C stops every child and raises Interrupted with the results so far. Where fork is missing
(Windows), files run one after another in this process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import selectors
import signal
import time
from collections.abc import Callable
from typing import NoReturn

from gradsh.report.model import FAILED, NOT_RUN, ExampleResult, ExceptionInfo, FileResult
from gradsh.transcript import stream
from gradsh.transcript.backend import BackendError, bind_torch, load, restore_torch, torch_modules
from gradsh.transcript.examples import Transcript
from gradsh.transcript.parse import parse_file
from gradsh.transcript.runner import FileOutcome, Options, planned, run_file
from gradsh.transcript.source import InputError
from gradsh.transcript.warm import warm_up
from gradsh.transcript.worker import child_main

Done = Callable[[FileOutcome], None]
GRACE = 1.0  # seconds past --timeout before the child is stopped from outside
KILL_GRACE = 1.0  # seconds between SIGTERM and SIGKILL


class Interrupted(Exception):
    """Ctrl-C stopped the run; `outcomes` holds the files that had started, in the order of the paths."""

    def __init__(self, outcomes: list[FileOutcome]) -> None:
        super().__init__("interrupted")
        self.outcomes = outcomes


def run_files(paths: list[str], options: Options, jobs: int = 1, on_done: Done | None = None) -> list[FileOutcome]:
    """Run every file; outcomes come back in the order of `paths`. `on_done` is called as each finishes."""
    if not hasattr(os, "fork"):
        outcomes = []
        for path in paths:
            outcomes.append(run_file(path, options))
            if on_done:
                on_done(outcomes[-1])
        return outcomes
    if jobs > 1 and len(paths) > 1:
        from gradsh.transcript.workers import run_workers  # it builds on this module

        return run_workers(paths, options, min(jobs, len(paths)), on_done)
    return _Pool(paths, options, 1, on_done).run()


def prepare(backend: str) -> None:
    """Before the first fork: `torch` bound to the backend and the first uses done (warm.py), once here rather
    than in every child (fewer copied pages there). A backend that cannot be imported is each child's to report."""
    with contextlib.suppress(BackendError):
        bind_torch(backend)
        warm_up(backend)


def run_isolated(path: str, options: Options) -> FileOutcome:
    """Run one file in a forked child (the pytest plugin: keep the caller's process clean)."""
    if options.backend != "torch" and hasattr(os, "fork"):
        with contextlib.suppress(BackendError):  # the child reports it
            load(options.backend)  # imported once here, so each forked child starts with it loaded
    return run_files([path], options)[0]


@dataclasses.dataclass
class _Child:
    index: int
    path: str
    pid: int
    fd: int
    began: float
    log: int  # the file the child writes its messages to (stream.py); read from `read_to` on
    transcript: Transcript
    read_to: int = 0
    reader: stream.Reader = dataclasses.field(default_factory=stream.Reader)
    finished: dict[int, ExampleResult] = dataclasses.field(default_factory=dict)  # by "finished" messages
    examples: list[ExampleResult] | None = None  # every example, once the child is done (_finish)
    running: int | None = None  # index of the example that started and has not finished
    started_at: float = 0.0
    outcome: FileOutcome | None = None
    crash: str = ""  # gradsh's own failure in the child, as it described it
    stopped: str = ""  # why the parent stopped it: "timeout" or "interrupt"
    term_at: float | None = None
    killed: bool = False
    status: int | None = None  # wait status, once reaped
    fixed: list[int] = dataclasses.field(default_factory=list)  # examples --fix rewrote


class _Pool:
    def __init__(self, paths: list[str], options: Options, jobs: int, on_done: Done | None) -> None:
        self.paths, self.options, self.jobs, self.on_done = paths, options, jobs, on_done
        self.timeout = options.timeout or None
        self.results: dict[int, FileOutcome] = {}
        self.children: dict[int, _Child] = {}  # read fd -> child
        self.selector = selectors.DefaultSelector()
        self.parsed: dict[int, Transcript | FileOutcome] = {}
        self.cursor = 0  # paths[cursor:] are not started yet
        self.stop_signals = {signal.SIGINT}  # blocked while a child is forked and registered
        self.inherited_fds: list[int] = []  # descriptors of this process a file's child must not keep open

    def run(self) -> list[FileOutcome]:
        # Every file parsed here, before the first fork: an unusable file needs no child, each child inherits
        # its parse, and the parent's parsing does not copy pages it would share with a running child.
        self.parsed = {i: _parse(path) for i, path in enumerate(self.paths)}
        saved = torch_modules()
        try:
            if self.options.backend != "torch" and any(not isinstance(p, FileOutcome) for p in self.parsed.values()):
                prepare(self.options.backend)
            self._loop()
        except KeyboardInterrupt:
            self._interrupt()
        finally:
            self._close()
            restore_torch(saved)
        return [self.results[i] for i in range(len(self.paths))]

    def _loop(self) -> None:
        """Start files while there are free places, and follow the running ones, until every file is done."""
        while True:
            while len(self.children) < self.jobs and (task := self._next()) is not None:
                self._start(*task)
            if not self.children:
                return  # no file left to start (an unusable one needs no child), and none running
            for key, _ in self.selector.select(self._wait()):
                self._read(self.children[key.fd])
            self._enforce_timeouts()

    def _next(self) -> tuple[int, str] | None:
        """The next file to start, or None when none is left."""
        if self.cursor >= len(self.paths):
            return None
        self.cursor += 1
        return self.cursor - 1, self.paths[self.cursor - 1]

    def _transcript(self, index: int, path: str) -> Transcript | FileOutcome:
        return self.parsed.pop(index)

    def _interrupt(self) -> NoReturn:
        """Ctrl-C: every child stopped, what each sent kept; Interrupted carries the files started so far."""
        for child in list(self.children.values()):
            child.stopped = "interrupt"
            self._kill(child, signal.SIGKILL)
            self._drain(child)  # what it sent before it stopped still counts
            self._finish(child)
        raise Interrupted([self.results[i] for i in sorted(self.results)]) from None

    def _close(self) -> None:
        for child in list(self.children.values()):  # only left after an unexpected error
            self._kill(child, signal.SIGKILL)
            self._reap(child)
        self.selector.close()

    def _start(self, index: int, path: str) -> None:
        transcript = self._transcript(index, path)
        if isinstance(transcript, FileOutcome):
            self._done(index, transcript)
            return
        # The child writes its messages to a file of its own, and the pipe only tells its end (it closes when
        # the child exits): the parent is not woken for every example, and reads the file when it needs to.
        read_fd, write_fd = os.pipe()
        log = stream.message_file()
        # Ctrl-C waits until the child is registered, so that it is always stopped with the others.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, self.stop_signals)
        try:
            # Frozen objects are never scanned by the child's garbage collector, so a full collection
            # there does not copy every page of the parent's heap (copy-on-write): ~20 ms when it happens.
            gc.freeze()
            pid = os.fork()
            if pid:
                gc.unfreeze()
            else:  # the child: never returns
                os.close(read_fd)
                for fd in [*self.children, *(c.log for c in self.children.values()), *self.inherited_fds]:
                    os.close(fd)
                child_main(transcript, self.options, log, mask)  # write_fd stays open until it exits
            os.close(write_fd)
            self.children[read_fd] = _Child(index, path, pid, read_fd, time.monotonic(), log, transcript)
            self.selector.register(read_fd, selectors.EVENT_READ)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def _wait(self) -> float | None:
        """Seconds until the next timeout action is due (None: no limit, wait for the children to end)."""
        due = [d for d in (self._due(c) for c in self.children.values()) if d is not None]
        return max(0.0, min(due) - time.monotonic()) if due else None

    def _due(self, child: _Child) -> float | None:
        if child.killed:
            return time.monotonic() + 0.05  # waiting for the pipe to close; poll the process too
        if child.term_at is not None:
            return child.term_at + KILL_GRACE
        if self.timeout is None:
            return None
        self._collect(child)
        if child.running is None:  # between examples: none can pass its limit before this time
            return time.monotonic() + self.timeout + GRACE
        return child.started_at + self.timeout + GRACE

    def _read(self, child: _Child) -> None:
        try:
            chunk = os.read(child.fd, 1 << 16)
        except OSError:
            chunk = b""
        if not chunk:  # the child exited (nothing else is written to the pipe)
            self._collect(child)
            self._finish(child)

    def _collect(self, child: _Child) -> None:
        """Take in what the child has written to its message file since the last look."""
        try:
            while chunk := os.pread(child.log, 1 << 20, child.read_to):
                child.read_to += len(chunk)
                self._take(child, chunk)
        except OSError:
            return

    def _take(self, child: _Child, chunk: bytes) -> None:
        for message in child.reader.feed(chunk):
            kind = message[0]
            if kind == "started":
                child.running, child.started_at = message[1], message[2]  # the child's monotonic clock is ours
            elif kind == "finished":
                child.finished[message[1]] = message[2]
                child.running = None
            elif kind == "end":
                child.outcome, child.fixed = message[1], message[2]
            elif kind == "crash":
                child.crash = message[1]

    def _drain(self, child: _Child) -> None:
        """Read what a stopped child had written (without waiting for anything more)."""
        self._collect(child)

    def _enforce_timeouts(self) -> None:
        now = time.monotonic()
        for child in list(self.children.values()):
            if child.killed:
                if self._exited(child):  # dead, though something it started still holds the pipe open
                    self._finish(child)
                continue
            due = self._due(child)
            if due is None or now < due:
                continue
            if child.term_at is None:
                child.stopped, child.term_at = "timeout", now
                self._kill(child, signal.SIGTERM)
            else:
                self._kill(child, signal.SIGKILL)

    def _kill(self, child: _Child, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, sig)
        child.killed = child.killed or sig == signal.SIGKILL

    def _exited(self, child: _Child) -> bool:
        with contextlib.suppress(ChildProcessError):
            pid, status = os.waitpid(child.pid, os.WNOHANG)
            if pid == 0:
                return False
            child.status = status
        return True

    def _reap(self, child: _Child) -> int:
        if child.status is None:
            with contextlib.suppress(ChildProcessError):
                child.status = os.waitpid(child.pid, 0)[1]
        self.selector.unregister(child.fd)
        os.close(child.fd)
        os.close(child.log)
        del self.children[child.fd]
        return os.waitstatus_to_exitcode(child.status) if child.status is not None else 0

    def _finish(self, child: _Child) -> None:
        code = self._reap(child)
        child.examples = _examples(child)
        if child.outcome is not None and child.examples is not None and child.stopped != "timeout":
            outcome = child.outcome  # the whole file's results arrived (whatever came after)
            # A file found unusable in the child (a module that fails to import) ran none of its examples.
            outcome.result.examples = [] if outcome.result.error else child.examples
            for index in child.fixed:
                child.examples[index].fixed = True
        else:
            outcome = FileOutcome(_broken(child, code, self.timeout))
        outcome.result.duration = outcome.result.duration or time.monotonic() - child.began
        self._done(child.index, outcome)

    def _done(self, index: int, outcome: FileOutcome) -> None:
        self.results[index] = outcome
        if self.on_done:
            self.on_done(outcome)


def _examples(child: _Child) -> list[ExampleResult]:
    """Every example of the child's file: as the child finished it, else as planned (NOT_RUN)."""
    count = len(child.transcript.examples)
    if len(child.finished) == count:  # the usual case: all of them came, no need to plan
        return [child.finished[i] for i in range(count)]
    examples = planned(child.transcript)
    for index, result in child.finished.items():
        examples[index] = result
    return examples


def _parse(path: str) -> Transcript | FileOutcome:
    try:
        return parse_file(path)
    except InputError as exc:
        return FileOutcome(FileResult(path, error=str(exc)))


def _how(code: int) -> str:
    if code < 0:
        try:
            return f"killed by signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _broken(child: _Child, code: int, timeout: float | None) -> FileResult:
    """The results of a file whose process ended early: what it streamed, the example it died in, the rest NOT_RUN."""
    if child.stopped == "interrupt":
        why = "interrupted (Ctrl-C)"
    elif child.stopped == "timeout":
        why = f"timed out: it ran longer than {timeout:g} s (--timeout), so its process was stopped"
    else:
        why = f"the process running this file died ({child.crash or _how(code)})"
    if child.examples is None:  # died before it had even parsed the file
        return FileResult(child.path, [ExampleResult(child.path, 0, "", "", "", FAILED, reason=why)])
    examples = child.examples
    if child.running is not None:
        ex = examples[child.running]
        if child.stopped == "interrupt":
            ex.reason = why
        else:
            exception = ExceptionInfo("TimeoutError" if child.stopped == "timeout" else "ProcessDied", why)
            examples[child.running] = dataclasses.replace(ex, verdict=FAILED, exception=exception, reason=why)
        stop_line = ex.line
    else:
        stop_line = next((e.line for e in examples if e.verdict == NOT_RUN), 0)
    stopped = "Ctrl-C stopped the run" if child.stopped == "interrupt" else "the file's process stopped"
    for ex in examples:
        if ex.verdict == NOT_RUN and not ex.reason:
            ex.reason = f"not run: {stopped} at line {stop_line}"  # the example at that line says why
    notes = [] if child.running is not None or stop_line else [f"{child.path}: {why} after its examples ran"]
    return FileResult(child.path, examples, fix_notes=notes)
