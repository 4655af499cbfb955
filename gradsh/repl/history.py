"""The inputs a REPL session ran, in order: what `%save`, `%undo`, `%why` and `%mode` read."""

from __future__ import annotations

import dataclasses

from gradsh.report.model import GradMode
from gradsh.transcript.session import Execution


@dataclasses.dataclass
class Statement:
    source: str  # one top-level statement, run as doctest runs an example
    run: Execution


@dataclasses.dataclass
class Entry:
    """One input: its number at the prompt, its text, and each statement's execution."""

    number: int
    source: str
    statements: list[Statement]
    mode_before: GradMode | None
    mode_after: GradMode | None

    @property
    def failed_to_compile(self) -> bool:
        first = self.statements[0].run if self.statements else None
        return first is not None and first.exception is not None and not first.traceback.startswith("Traceback")

    @property
    def interrupted(self) -> bool:
        return any(s.run.interrupted for s in self.statements)


def changes_of(entries: list[Entry], name: str) -> list[tuple[Entry, Statement, list[str]]]:
    """Each statement that changed the tensor held by `name`, with what changed (as the grad report says)."""
    found = []
    for entry in entries:
        for statement in entry.statements:
            for line in statement.run.report.tensors:
                if line.name == name:
                    found.append((entry, statement, line.changes))
    return found


def made_at(entries: list[Entry], name: str) -> tuple[Entry, Statement] | None:
    """The input (and its statement) that last bound `name` to a new tensor: the one it holds now."""
    made = None
    for entry, statement, changes in changes_of(entries, name):
        if "new" in changes or "rebound" in changes:
            made = (entry, statement)
    return made
