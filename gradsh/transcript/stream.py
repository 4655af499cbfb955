"""Messages between a file's child process and its parent: length-prefixed pickles.

The child writes them to a file of its own (message_file: the parent reads it when the child ends, or
when it checks the timeouts), and the workers of `check -j N` send theirs over a pipe (workers.py).
The parent parsed the file and knows its examples; the child sends ("started", i, time.monotonic()) and
("finished", i, ExampleResult) for each example, and ("end", FileOutcome without its examples, the
indexes of those --fix rewrote) or ("crash", text) last.
Whatever arrived before the child died is kept, so a crash costs only the example that was running.
"""

from __future__ import annotations

import os
import pickle
import struct
from typing import Any

_HEADER = struct.Struct("!Q")


def message_file() -> int:
    """A new file with no name in any folder (it is gone once the last descriptor closes), open to read and write."""
    try:
        return os.memfd_create("gradsh-messages")
    except (AttributeError, OSError):  # not Linux
        import tempfile

        fd, name = tempfile.mkstemp(prefix="gradsh-messages-")
        os.unlink(name)
        return fd


def send(fd: int, message: tuple[Any, ...]) -> None:
    """Write one message in full (a pipe may take it in pieces)."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


class Reader:
    """Collects bytes as they arrive and hands back the complete messages among them."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[tuple[Any, ...]]:
        self._buffer.extend(chunk)
        messages = []
        while len(self._buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buffer)
            end = _HEADER.size + size
            if len(self._buffer) < end:
                break
            messages.append(pickle.loads(bytes(self._buffer[_HEADER.size : end])))
            del self._buffer[:end]
        return messages
