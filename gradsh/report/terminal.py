"""Rich terminal renderer: the same content as plain.py, highlighted (imported only on a colour terminal)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.padding import Padding
from rich.syntax import Syntax
from rich.text import Text

from gradsh.report import text
from gradsh.report.model import FAILED, NOT_RUN, PASSED, SKIPPED, ExampleResult, FileResult, RunResult

_v = text.visible  # everything from a transcript (or its file name) goes through it: no escape reaches the terminal
_STYLE = {PASSED: "green", FAILED: "bold red", SKIPPED: "yellow", NOT_RUN: "magenta"}


def _source(ex: ExampleResult) -> Syntax:
    source = "\n".join(text.prompted(text.visible(ex.source)))
    return Syntax(source, "pycon", theme="ansi_dark", background_color="default")


def _example(ex: ExampleResult, console: Console, replay: bool, full: bool) -> None:
    where = Text(f"{_v(ex.path)}:{ex.line}{_v(text.owner(ex))}", style="dim" if replay else "bold")
    if replay:
        head = Text.assemble(
            where,
            (" differs from the transcript", "bold red") if ex.verdict == FAILED else "",
            (" skipped", "yellow") if ex.verdict == SKIPPED else "",
            (" not run", "magenta") if ex.verdict == NOT_RUN else "",
        )
    else:
        head = Text.assemble((text.verdict_word(ex), "bold cyan" if ex.fixed else _STYLE[ex.verdict]), " ", where)
    parts: list = [head]
    if ex.source:
        parts.append(_source(ex))
    if replay and ex.got:
        parts.append(Text(_v(ex.got.rstrip("\n"))))
    if ex.reason:
        parts.append(Text(f"({_v(ex.reason)})", style="red"))
    if ex.verdict == FAILED and ex.diff:
        parts.append(Padding(_diff(_v(ex.diff)), (0, 0, 0, 2)))
    for warning in ex.warnings:
        parts.append(Text(f"  warning: {_v(warning)}", style="yellow"))
    if ex.stderr:
        parts.append(Text(_v(ex.stderr.rstrip("\n")), style="magenta"))
    for line in text.report_lines(ex.report, full):
        parts.append(Text(f"  ∇ {_v(line)}", style="cyan"))
    console.print(Group(*parts))
    console.print()


def _diff(diff: str) -> Text:
    out = Text()
    for line in diff.rstrip("\n").split("\n"):
        style = "red" if line.startswith("-") else "green" if line.startswith("+") else ""
        out.append(line + "\n", style=style)
    out.rstrip()
    return out


def _file(f: FileResult, console: Console) -> None:
    if not f.error and not f.examples:
        console.print(Text(f"{_v(f.path)}: no examples", style="yellow"))


def render(result: RunResult, console: Console, verbose: bool = False) -> None:
    replay = result.command == "run"
    for f in result.files:
        _file(f, console)
        if replay and f.examples:
            console.rule(Text(_v(f.path), style="bold"))
        for ex in f.examples:
            if replay or text.shown_in_check(ex, verbose):
                _example(ex, console, replay, verbose)
        for note in f.fix_notes:
            console.print(Text(f"fix: {_v(note)}", style="yellow"))
    totals = result.totals()
    style = "bold red" if totals[FAILED] or totals["errors"] or result.interrupted else "bold green"
    console.print(Text(text.summary(result), style=style))
