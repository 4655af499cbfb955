"""Replacing a file's contents the way careful editors do: never over an edit, never half-written.

The new bytes go to a temporary file beside the real file (a symlink is followed to its target),
which takes the file's mode, owner and group, and is renamed over it only if the file still holds
exactly the bytes that were read. A file with several hard links is refused (a rename would
split them), and so is a read-only one. The temporary file is removed on every exit path that
runs Python; one left by a killed writer is recognised by its name, which holds the writer's pid,
and removed by the next run in that folder once that process is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from pathlib import Path

SUFFIX = ".gradsh-tmp"
_TEMP_NAME = re.compile(r"^\..+\.(?P<pid>\d+)-[0-9a-f]{8}\.gradsh-tmp$")


class Refused(Exception):
    """The file is left as it is, for the reason given (it changed, it is read-only, ...)."""


def target_of(path: str | os.PathLike[str]) -> Path:
    """The file a write to `path` must replace: symlinks followed to the end."""
    return Path(os.path.realpath(path))


def replace_file(path: str | os.PathLike[str], expected: bytes, data: bytes) -> None:
    """Put `data` in the file at `path` if it still holds `expected`. Raises Refused, or OSError on a failure."""
    target = target_of(path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        raise Refused("it no longer exists (deleted or moved since gradsh read it)") from None
    if not stat.S_ISREG(info.st_mode):
        raise Refused("it is not a regular file")
    if info.st_nlink > 1:
        raise Refused(f"it has {info.st_nlink} hard links, and replacing it would split them")
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise Refused("it is read-only")
    _unchanged(target, expected)
    temp = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            _same_owner(handle.fileno(), info)
            os.fchmod(handle.fileno(), stat.S_IMODE(info.st_mode))  # after chown, which may clear set-id bits
            os.fsync(handle.fileno())
        _unchanged(target, expected)  # the last look, just before the rename
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def write_output(path: str | os.PathLike[str], data: bytes) -> None:
    """Write an output file (a page, a JUnit file) whole or not at all: a temporary file beside it, renamed
    over it. Raises OSError with the reason when the folder cannot take it."""
    target = target_of(path)
    temp = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask decides, as for any new file
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _unchanged(target: Path, expected: bytes) -> None:
    try:
        now = target.read_bytes()
    except FileNotFoundError:
        raise Refused("it no longer exists (deleted or moved since gradsh read it)") from None
    if now != expected:
        raise Refused("it changed since gradsh read it; the change is kept and nothing was written")


def _same_owner(fd: int, info: os.stat_result) -> None:
    """Owner and group as the original's, where this process may set them (the owner: root only)."""
    if (info.st_uid, info.st_gid) == (os.fstat(fd).st_uid, os.fstat(fd).st_gid):
        return
    for uid in (info.st_uid, -1):
        with contextlib.suppress(PermissionError):
            os.fchown(fd, uid, info.st_gid)
            return


def remove_stale(folder: str | os.PathLike[str]) -> list[str]:
    """Remove gradsh's temporary files in `folder` whose writer is gone; returns their names."""
    removed = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            m = _TEMP_NAME.match(entry.name)
            if m and not _alive(int(m.group("pid"))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(entry.name)
    return removed


def _alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a process id gradsh writes: leave it
    if pid == os.getpid():
        return False  # this process writes its temporary files and removes them before it moves on
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
