"""A progress bar on stderr while many files are checked on a terminal (rich, imported only then)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def bar(total: int, enabled: bool) -> Iterator[Callable[[Any], None]]:
    """Yields a callback to call once per finished file; a no-op when not `enabled`."""
    if not enabled:
        yield lambda _outcome: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("files", total=total)
        yield lambda _outcome: progress.advance(task)
