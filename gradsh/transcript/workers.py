"""`check -j N` over many files: N warm worker processes, each running the files it takes as pool.py does.

The parent binds the backend and warms it (pool.prepare), then forks N workers and feeds them file
indexes through one pipe (4-byte records, each read whole by one worker: a free worker takes the next
file). A worker runs each file it takes exactly as the one-process pool runs files: in a fresh fork of
itself, so every file still starts from the same warm, pristine state and nothing leaks from one file to
the next; timeouts, crashes and `--fix` are handled there, unchanged. The worker sends the parent
("took", i) when it starts file i and ("done", i, FileOutcome) when it is finished. So the per-file work
of the one-process parent (parsing, forking, reading each example's result) runs in N processes at once,
and the parent only collects one message per file.

Each worker leads a process group of its own (its file's child is in it): a terminal's Ctrl-C reaches
only the parent, which stops each worker with SIGTERM (the worker then stops its file as the pool stops
it on Ctrl-C, and sends what it has), and SIGKILL to the group leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import selectors
import signal
import struct
import time
import traceback
from typing import NoReturn

from gradsh.report.model import NOT_RUN, ExampleResult, FileResult
from gradsh.transcript import stream
from gradsh.transcript.backend import restore_torch, torch_modules
from gradsh.transcript.examples import Transcript
from gradsh.transcript.pool import Done, Interrupted, _how, _parse, _Pool, prepare
from gradsh.transcript.runner import FileOutcome, Options, planned

_RECORD = struct.Struct("!I")
_BATCH = 1024  # records per write: 4096 bytes, PIPE_BUF, so a write is whole or refused, never cut
_PR_SET_PDEATHSIG = 1  # prctl(2)
STOP_GRACE = 5.0  # seconds the workers get to stop after Ctrl-C before they are killed


def run_workers(paths: list[str], options: Options, jobs: int, on_done: Done | None) -> list[FileOutcome]:
    """Run every file in `jobs` worker processes; outcomes in the order of `paths` (pool.Interrupted on Ctrl-C)."""
    return _Workers(paths, options, jobs, on_done).run()


class _Queue:
    """File indexes for the workers, written as the pipe takes them."""

    def __init__(self, count: int) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.write_fd, False)
        self.next, self.count = 0, count

    def feed(self) -> bool:
        """Write what the pipe takes; True once every index is written (the write end is then closed)."""
        while self.next < self.count:
            end = min(self.count, self.next + _BATCH)
            try:
                os.write(self.write_fd, b"".join(_RECORD.pack(i) for i in range(self.next, end)))
            except BlockingIOError:
                return False
            self.next = end
        self.close_writer()
        return True

    def close_writer(self) -> None:
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1


@dataclasses.dataclass
class _Worker:
    pid: int
    fd: int
    reader: stream.Reader = dataclasses.field(default_factory=stream.Reader)
    taken: int | None = None  # the file it is running
    crash: str = ""


class _Workers:
    def __init__(self, paths: list[str], options: Options, jobs: int, on_done: Done | None) -> None:
        self.paths, self.options, self.jobs, self.on_done = paths, options, jobs, on_done
        self.results: dict[int, FileOutcome] = {}
        self.workers: dict[int, _Worker] = {}  # result fd -> worker
        self.selector = selectors.DefaultSelector()
        self.queue = _Queue(len(paths))
        self.stopping = False

    def run(self) -> list[FileOutcome]:
        saved = torch_modules()
        try:
            if self.options.backend != "torch":
                prepare(self.options.backend)
            for _ in range(self.jobs):
                self._fork()
            os.close(self.queue.read_fd)
            if not self.queue.feed():
                self.selector.register(self.queue.write_fd, selectors.EVENT_WRITE)
            while self.workers:
                for key, _ in self.selector.select():
                    if key.fd == self.queue.write_fd:
                        if self.queue.feed():
                            self.selector.unregister(key.fd)
                    else:
                        self._read(self.workers[key.fd])
        except KeyboardInterrupt:
            self._interrupt()
        finally:
            self._close()
            restore_torch(saved)
        missing = [i for i in range(len(self.paths)) if i not in self.results]
        if missing:  # every worker died before these were taken (a failure of gradsh): run them here
            rest = _Pool([self.paths[i] for i in missing], self.options, 1, self.on_done).run()
            self.results.update(zip(missing, rest, strict=True))
        return [self.results[i] for i in range(len(self.paths))]

    def _fork(self) -> None:
        read_fd, write_fd = os.pipe()
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # registered before Ctrl-C can stop it
        try:
            parent = os.getpid()
            gc.freeze()  # as pool.py: the worker's collector need not scan (and copy) the parent's objects
            pid = os.fork()
            if pid == 0:
                os.close(read_fd)
                for fd in [*self.workers, self.queue.write_fd]:
                    os.close(fd)
                _worker_main(self.paths, self.options, self.queue.read_fd, write_fd, mask, parent)
            gc.unfreeze()
            with contextlib.suppress(OSError):  # the worker sets it too: whichever runs first
                os.setpgid(pid, pid)
            os.close(write_fd)
            self.workers[read_fd] = _Worker(pid, read_fd)
            self.selector.register(read_fd, selectors.EVENT_READ)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def _read(self, worker: _Worker) -> None:
        try:
            chunk = os.read(worker.fd, 1 << 16)
        except OSError:
            chunk = b""
        if not chunk:
            self._finish(worker)
            return
        for message in worker.reader.feed(chunk):
            if message[0] == "took":
                worker.taken = message[1]
            elif message[0] == "done":
                worker.taken = None
                self._done(message[1], message[2])
            elif message[0] == "crash":
                worker.crash = message[1]

    def _done(self, index: int, outcome: FileOutcome) -> None:
        self.results[index] = outcome
        if self.on_done:
            self.on_done(outcome)

    def _finish(self, worker: _Worker) -> None:
        """The worker closed its pipe: reap it; a file it took and did not finish is reported as stopped."""
        status = 0
        with contextlib.suppress(ChildProcessError):
            status = os.waitpid(worker.pid, 0)[1]
        self.selector.unregister(worker.fd)
        os.close(worker.fd)
        del self.workers[worker.fd]
        if worker.taken is not None and worker.taken not in self.results:
            why = (
                "interrupted (Ctrl-C)"
                if self.stopping
                else f"the process running this file died ({worker.crash or _how(os.waitstatus_to_exitcode(status))})"
            )
            self._done(worker.taken, _stopped(self.paths[worker.taken], why))

    def _interrupt(self) -> NoReturn:
        """Ctrl-C: each worker stops its file as the pool does on Ctrl-C and sends it; then Interrupted."""
        self.stopping = True
        if self.queue.write_fd >= 0:
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(self.queue.write_fd)
            self.queue.close_writer()
        for worker in self.workers.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while self.workers and (left := deadline - time.monotonic()) > 0:
            for key, _ in self.selector.select(left):
                self._read(self.workers[key.fd])
        for worker in list(self.workers.values()):  # did not stop in time
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(worker.pid, signal.SIGKILL)
            self._finish(worker)
        raise Interrupted([self.results[i] for i in sorted(self.results)]) from None

    def _close(self) -> None:
        for worker in list(self.workers.values()):  # only left after an unexpected error
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(worker.pid, signal.SIGKILL)
            self._finish(worker)
        self.queue.close_writer()
        self.selector.close()


def _stopped(path: str, why: str) -> FileOutcome:
    """A file whose worker stopped before it said how the file went: its examples not run, with the reason."""
    transcript = _parse(path)
    if isinstance(transcript, FileOutcome):
        return transcript
    examples = planned(transcript)
    for example in examples:
        example.reason = f"not run: {why}"
    if not examples:
        return FileOutcome(FileResult(path, [ExampleResult(path, 0, "", "", "", NOT_RUN, reason=why)]))
    return FileOutcome(FileResult(path, examples))


class _QueuePool(_Pool):
    """A worker's pool: files come from the queue, one at a time, and each outcome goes to the parent."""

    def __init__(self, paths: list[str], options: Options, queue_fd: int, result_fd: int) -> None:
        super().__init__(paths, options, 1, None)
        self.queue_fd, self.result_fd = queue_fd, result_fd
        self.stop_signals = {signal.SIGINT, signal.SIGTERM}
        self.inherited_fds = [queue_fd, result_fd]

    def run(self) -> list[FileOutcome]:
        try:
            self._loop()  # the parent bound and warmed the backend before it forked this worker
        except KeyboardInterrupt:
            self._interrupt()
        finally:
            self._close()
        return []

    def _next(self) -> tuple[int, str] | None:
        record = os.read(self.queue_fd, _RECORD.size)
        if len(record) < _RECORD.size:
            return None  # every file is taken
        (index,) = _RECORD.unpack(record)
        stream.send(self.result_fd, ("took", index))
        return index, self.paths[index]

    def _transcript(self, index: int, path: str) -> Transcript | FileOutcome:
        return _parse(path)

    def _done(self, index: int, outcome: FileOutcome) -> None:
        stream.send(self.result_fd, ("done", index, outcome))


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_with(parent: int) -> None:
    """If the parent dies (killed, say, by a CI's time limit), the worker gets the parent's "stop" too, rather
    than checking on alone in a process group nobody watches (Linux; elsewhere it stops at its next send)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before that was set
        raise KeyboardInterrupt


def _worker_main(paths: list[str], options: Options, queue_fd: int, result_fd: int, mask: set, parent: int) -> NoReturn:
    status = 0
    try:
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)  # its own group: the terminal's Ctrl-C is the parent's to pass on
        _stop_with(parent)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, _raise_interrupt)  # the parent's "stop": as Ctrl-C in the one-process pool
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        _QueuePool(paths, options, queue_fd, result_fd).run()
    except (Interrupted, KeyboardInterrupt):
        pass  # the file it was running is reported; the parent stops the others
    except BaseException as exc:  # noqa: BLE001 - a failure of gradsh itself: tell the parent what it was
        status = 1
        with contextlib.suppress(BaseException):
            stream.send(result_fd, ("crash", "".join(traceback.format_exception_only(type(exc), exc)).strip()))
    finally:
        os._exit(status)
