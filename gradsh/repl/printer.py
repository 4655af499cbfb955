"""What the REPL shows after an input: the value (highlighted), the error as Python prints it, warnings, the grad report.

Rich on a colour terminal, plain text otherwise (a pipe, NO_COLOR, --no-color); the words are the
renderers' own (gradsh.report.text), so the REPL and `gradsh run` describe a tensor the same way.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from gradsh.report import text
from gradsh.transcript.session import Execution


class Printer:
    def __init__(self, color: bool, out: TextIO | None = None) -> None:
        self.color = color
        self.out = out or sys.stdout
        self._console: Any = None

    @property
    def console(self) -> Any:
        if self._console is None:  # rich is imported at the first output, not at startup
            from rich.console import Console

            self._console = Console(file=self.out, highlight=False, force_terminal=True, soft_wrap=True)
        return self._console

    def _print(self, body: str, style: str = "") -> None:
        if not body:
            return
        if self.color:
            from rich.text import Text

            self.console.print(Text(body.rstrip("\n"), style=style))
        else:
            self.out.write(body if body.endswith("\n") else body + "\n")
            self.out.flush()

    def execution(self, run: Execution, report: bool = True, full: bool = False) -> None:
        """One statement's result: output and values, error, warnings, stderr, and (unless hidden) the grad report."""
        self.output(run.got, only_values=run.got == "".join(d + "\n" for d in run.displayed))
        if run.exception is not None:
            self._print(run.traceback or run.shown, "red")
        for warning in run.warnings:
            self._print(f"warning: {warning}", "yellow")
        self._print(run.stderr, "magenta")
        if report:
            self.report_lines(text.report_lines(run.report, full))

    def output(self, got: str, only_values: bool = False) -> None:
        if not got:
            return
        if self.color and only_values:
            from rich.highlighter import ReprHighlighter
            from rich.text import Text

            self.console.print(ReprHighlighter()(Text(got.rstrip("\n"))))
        else:
            self._print(got)

    # gradsh's own words (the grad report, %command output, messages) may quote names and values from the
    # session: shown with control characters as escapes. The user's own output above is shown as Python shows it.
    def report_lines(self, lines: list[str]) -> None:
        for line in lines:
            self._print(text.visible(f"  ∇ {line}"), "cyan")

    def lines(self, lines: list[str], style: str = "") -> None:
        for line in lines:
            self._print(text.visible(line), style)

    def info(self, message: str) -> None:
        self._print(text.visible(message), "dim")

    def error(self, message: str) -> None:
        self._print(text.visible(message), "bold red")
