"""Plain-text renderer: for pipes, logs, NO_COLOR and --no-color. Writes what the model holds, nothing more."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import TextIO, cast

from gradsh.report import text
from gradsh.report.model import FAILED, NOT_RUN, SKIPPED, ExampleResult, FileResult, RunResult


def _example(ex: ExampleResult, out: TextIO, replay: bool, full: bool) -> None:
    where = f"{ex.path}:{ex.line}{text.owner(ex)}"
    if replay:
        mark = "" if ex.verdict != FAILED else "  <-- differs from the transcript"
        state = f" {ex.verdict}" if ex.verdict in (SKIPPED, NOT_RUN) else ""
        out.write(f"[{where}]{state}{mark}\n")
    else:
        out.write(f"{text.verdict_word(ex)} {where}\n")
    if ex.source:
        out.write("\n".join(text.prompted(ex.source)) + "\n")
    if replay and ex.got:
        out.write(ex.got if ex.got.endswith("\n") else ex.got + "\n")
    if ex.reason:
        out.write(f"  ({ex.reason})\n")
    if ex.verdict == FAILED and ex.diff:
        out.write(textwrap.indent(ex.diff, "  ") if not replay else textwrap.indent(ex.diff, "  | "))
    out.writelines(f"  warning: {warning}\n" for warning in ex.warnings)
    if ex.stderr:
        out.write(textwrap.indent(ex.stderr, "  stderr: "))
    out.writelines(f"  {line}\n" for line in text.report_lines(ex.report, full))
    out.write("\n")


def _file_header(f: FileResult, out: TextIO) -> None:
    if not f.error and not f.examples:
        out.write(f"{f.path}: no examples\n")


class _Visible:
    """A stream that shows control characters as escapes: nothing a transcript printed acts on the terminal."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, data: str) -> int:
        return self._out.write(text.visible(data))

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)


def render(result: RunResult, out: TextIO, verbose: bool = False) -> None:
    """`run` shows every example with its output; `check` shows failures. `verbose`: every example, and every
    tensor of a long list in the grad report (not its summary line)."""
    out = cast(TextIO, _Visible(out))
    replay = result.command == "run"
    for f in result.files:
        _file_header(f, out)
        if replay and f.examples:
            out.write(f"== {f.path} ==\n\n")
        for ex in f.examples:
            if replay or text.shown_in_check(ex, verbose):
                _example(ex, out, replay, verbose)
        out.writelines(f"fix: {note}\n" for note in f.fix_notes)
    out.write(text.summary(result) + "\n")
