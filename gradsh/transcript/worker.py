"""The child process side of running one file: run it, streaming each example's result to the parent.

The child ignores Ctrl-C (the parent decides what an interrupt means and stops the child), reads
nothing from the terminal, and writes nothing to it: output an example sends to file descriptors 1
and 2 directly (C code, `os.write`) is collected and shown with that example's stderr, made
harmless like all of a transcript's output.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
import traceback
from typing import NoReturn

from gradsh.report.limits import LIMIT, cap
from gradsh.report.model import ExampleResult
from gradsh.transcript import stream
from gradsh.transcript.examples import Transcript
from gradsh.transcript.runner import Options, run_file

_TEMP_DIR = tempfile.gettempdir()  # found once, in the parent: finding it writes and removes a test file


class _Streamer:
    """A runner Listener that sends each event to the parent, with the raw fd output of the example."""

    def __init__(self, fd: int, capture_fd: int) -> None:
        self.fd = fd
        self.capture_fd = capture_fd
        self.read_to = 0

    def planned(self, examples: list[ExampleResult]) -> None:
        pass  # the parent parsed the file and knows them

    def started(self, index: int) -> None:
        self._raw_output()  # anything written between examples belongs to none of them
        stream.send(self.fd, ("started", index, time.monotonic()))

    def finished(self, index: int, result: ExampleResult) -> None:
        raw = self._raw_output()
        if raw:
            result.stderr = cap(result.stderr + raw)
        stream.send(self.fd, ("finished", index, result))

    def _raw_output(self) -> str:
        try:
            end = os.fstat(self.capture_fd).st_size
            if end <= self.read_to:
                return ""
            size = end - self.read_to
            data = os.pread(self.capture_fd, min(size, LIMIT), self.read_to)
            self.read_to = end
            text = data.decode("utf-8", "replace")
            if size > len(data):
                text += f"\n[gradsh: {size - len(data):,} more bytes cut here; it keeps {LIMIT:,} of each text]\n"
            return text
        except OSError:  # the example closed or broke the descriptors: its own business
            return ""


def _detach_from_terminal() -> int:
    """stdin from /dev/null; fds 1 and 2 into a temporary file. Returns a descriptor to read that file."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    try:  # a file with no name at all (Linux): cheaper than tempfile's machinery, ~1 ms a child
        capture = os.open(_TEMP_DIR, os.O_TMPFILE | os.O_RDWR, 0o600)
    except (AttributeError, OSError):
        capture, name = tempfile.mkstemp(prefix="gradsh-output-")
        os.unlink(name)  # gone from the folder at once; the descriptors keep it while the child lives
    os.dup2(capture, 1)
    os.dup2(capture, 2)
    return capture


def child_main(transcript: Transcript, options: Options, messages_fd: int, mask: set[signal.Signals]) -> NoReturn:
    """Run the file and exit; never returns (os._exit: no atexit, no waiting for threads a transcript left).
    `mask`: the signal mask to restore (the parent blocks Ctrl-C while it forks)."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a worker's handler (workers.py) must not outlive the fork
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        listener = _Streamer(messages_fd, _detach_from_terminal())
        outcome = run_file(transcript.path, options, listener, transcript)
        fixed = [i for i, example in enumerate(outcome.result.examples) if example.fixed]
        outcome.result.examples = []  # the parent has them, streamed: only which --fix rewrote is new
        stream.send(messages_fd, ("end", outcome, fixed))
    except BaseException as exc:  # noqa: BLE001 - a failure of gradsh itself: tell the parent what it was
        status = 1
        try:
            text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            stream.send(messages_fd, ("crash", text))
        except BaseException:  # noqa: BLE001, S110 - the pipe itself is gone; the exit status says it
            pass
    finally:
        os._exit(status)
