"""What `gradsh run` and `gradsh check` do once their arguments are parsed: find files, run, render, exit status.

Exit status (design.md): 0 all passed (`run`: always, unless the input is unusable), 1 some example
failed, 2 the input or the command was wrong, 130 Ctrl-C stopped it (the results so far are shown).
On 2, nothing is written: no --fix rewrite, no JUnit file.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from gradsh import backends
from gradsh.options import defaults
from gradsh.report.model import FAILED, RunResult
from gradsh.report.text import visible
from gradsh.transcript import replace, shard
from gradsh.transcript.backend import BackendError, preload
from gradsh.transcript.pool import Interrupted, run_files
from gradsh.transcript.runner import FileOutcome, Options

FOLDER_PATTERNS = ("*.txt", "*.pycon", "*.md", "*.rst")
_SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "node_modules", ".tox", ".nox"}


@dataclasses.dataclass
class Request:
    command: str  # "run" or "check"
    paths: list[str]
    options: Options
    globs: list[str] = dataclasses.field(default_factory=list)
    jobs: int = 1  # the command line's default: options.py (a process per core)
    output_format: str = "text"  # or "json"
    junit_xml: str | None = None
    html: str | None = None  # --html OUT: the replay page
    color: bool = True
    verbose: bool = False
    shard: tuple[int, int] | None = None  # --shard K/N: only the files of shard K (shard.py)


def find_files(paths: list[str], globs: list[str]) -> tuple[list[str], list[str]]:
    """Files named, and files in folders matching the patterns (default FOLDER_PATTERNS); and path errors."""
    files, errors = [], []
    patterns = tuple(globs) or FOLDER_PATTERNS
    for name in paths:
        path = Path(name)
        if path.is_file():
            files.append(name)
        elif path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
                for file in sorted(names):
                    if any(fnmatch.fnmatch(file, p) for p in patterns):
                        files.append(os.path.join(root, file))
        elif path.exists():
            errors.append(f"{name}: not a file or a folder")
        else:
            errors.append(f"{name}: no such file or folder")
    return list(dict.fromkeys(files)), errors


INTERRUPTED = 130  # as a shell reports a command that SIGINT ended


def exit_code(result: RunResult) -> int:
    if result.interrupted:
        return INTERRUPTED
    if result.errors or any(f.error for f in result.files):
        return 2
    if result.command == "run":
        return 0
    unfixed = sum(e.verdict == FAILED and not e.fixed for f in result.files for e in f.examples)
    return 1 if unfixed or any(f.write_error for f in result.files) else 0


def _unwritable(path: str) -> str | None:
    """Why an output file cannot be written there, decided before anything runs (exit status 2), else None."""
    target = Path(path)
    if target.is_dir():
        return "is a folder"
    folder = target.parent
    if not folder.is_dir():
        return f"no folder {str(folder)!r} to write it in"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {str(folder)!r} is not writable"
    return None


def execute(request: Request) -> tuple[RunResult, list[FileOutcome]]:
    """Run the request: every file, then the exit status; writes nothing yet."""
    start = time.perf_counter()
    backend = backends.module_for(request.options.backend)
    options = dataclasses.replace(request.options, backend=backend)
    result = RunResult([], backend, request.command)
    files, result.errors = find_files(request.paths, request.globs)
    result.errors += [
        f"{flag} {path}: {why}"
        for flag, path in (("--junit-xml", request.junit_xml), ("--html", request.html))
        if path and (why := _unwritable(path))
    ]
    if result.errors:
        result.exit_code = 2
        return result, []
    sharded_away = False
    if request.shard is not None:
        mine = shard.select(files, request.shard)
        files, sharded_away = mine, len(mine) < len(files)
    try:
        preload(backend)  # once here: children forked later start with it loaded
    except BackendError as exc:
        result.errors.append(str(exc))
        result.exit_code = 2
        return result, []
    show_bar = request.output_format == "text" and len(files) > 1 and sys.stderr.isatty() and request.color
    from gradsh.report import progress

    try:
        with progress.bar(len(files), show_bar) as advance:
            outcomes = run_files(files, options, request.jobs, advance)
    except Interrupted as stop:
        outcomes, result.interrupted = stop.outcomes, True
        for outcome in outcomes:
            outcome.new_bytes = None  # nothing is written after Ctrl-C: the run was not finished
    result.files = [o.result for o in outcomes]
    # A shard without examples is no error when other shards hold the suite's.
    if not result.interrupted and not sharded_away and not any(f.examples or f.error for f in result.files):
        where = ", ".join(request.paths)
        result.errors.append(f"no examples found in {where} (looked for `>>>` and `In [n]:` examples)")
    result.duration = time.perf_counter() - start
    result.exit_code = exit_code(result)
    return result, outcomes


def write_outputs(request: Request, result: RunResult, outcomes: list[FileOutcome], err: TextIO | None = None) -> None:
    """--fix rewrites and the JUnit file: only when the command was sound (exit status 0 or 1).

    A file that cannot be written is named with the reason and counts as failed; the others are still
    written. Ctrl-C here keeps the files written so far; the one in progress is left as it was."""
    if result.exit_code == 2 or result.interrupted:
        return  # Ctrl-C while checking: the run is not complete, so nothing is written
    if request.options.fix:
        _write_fixes(result, outcomes)
    if request.junit_xml:
        from gradsh.report import junit

        _write_output(result, request.junit_xml, lambda path: replace.write_output(path, junit.render(result).encode()))
    if request.html:
        from gradsh import page

        _write_output(result, request.html, lambda path: page.write(result, path))


def _write_output(result: RunResult, path: str, write: Callable[[str], None]) -> None:
    """An output file written whole or not at all; a failure (a full disk) is named and fails the command."""
    try:
        write(path)
    except OSError as exc:
        result.errors.append(f"{path}: not written: {exc.strerror or exc}")
        result.exit_code = max(result.exit_code, 1)


def _write_fixes(result: RunResult, outcomes: list[FileOutcome]) -> None:
    for folder in dict.fromkeys(replace.target_of(o.result.path).parent for o in outcomes):
        replace.remove_stale(folder)  # left by a gradsh that was killed while writing
    todo = [o for o in outcomes if o.new_bytes is not None]
    for i, outcome in enumerate(todo):
        try:
            replace.replace_file(outcome.result.path, outcome.old_bytes or b"", outcome.new_bytes or b"")
        except replace.Refused as exc:
            _not_written(outcome, str(exc))
        except OSError as exc:
            _not_written(outcome, f"writing failed: {exc.strerror or exc}")
        except KeyboardInterrupt:
            result.interrupted = True
            for rest in todo[i:]:
                _not_written(rest, "interrupted (Ctrl-C) before it was written")
            break
    result.exit_code = exit_code(result)


def _not_written(outcome: FileOutcome, why: str) -> None:
    f = outcome.result
    f.write_error = f"{f.path}: not written: {why}"
    f.fixed = 0
    for example in f.examples:
        example.fixed = False


def render(request: Request, result: RunResult, out: TextIO) -> None:
    if request.output_format == "json":
        from gradsh.report import json_out

        out.write(json_out.render(result))
    elif request.color:
        from rich.console import Console

        from gradsh.report import terminal

        terminal.render(result, Console(file=out, highlight=False), request.verbose)
    else:
        from gradsh.report import plain

        plain.render(result, out, request.verbose)


def color_wanted(no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def option_flags(names: list[str]) -> int:
    """doctest option flags by name (ELLIPSIS, +NORMALIZE_WHITESPACE, ...); KeyError for an unknown one."""
    import doctest

    flags = 0
    for name in names:
        flags |= doctest.OPTIONFLAGS_BY_NAME[name.upper().lstrip("+")]
    return flags


def request_from(command: str, paths: list[str], values: dict) -> Request:
    """The Request for parsed arguments, the same whether typer or the fast path parsed them (options.py);
    an option the command lacks (`run` has no --fix) takes check's default."""
    from gradsh.transcript.tolerance import Tolerance

    values = {**defaults("check"), **values}
    tolerance = Tolerance(values["rtol"], values["atol"]) if values["tolerance"] else None
    options = Options(
        backend=values["backend"],
        optionflags=option_flags(values["option"] or []),
        timeout=values["timeout"] or None,  # --timeout 0: no limit
        fix=values["fix"],
        tolerance=tolerance,
        graphs=bool(values["html"]),
    )
    return Request(
        command,
        list(paths),
        options,
        globs=list(values["glob"] or []),
        jobs=values["jobs"],
        output_format=values["output_format"],
        junit_xml=values["junit_xml"],
        html=values["html"],
        color=color_wanted(values["no_color"]),
        verbose=values["verbose"],
        shard=values["shard"],
    )


def main(request: Request, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Execute, write what is to be written, render; return the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        result, outcomes = execute(request)
        write_outputs(request, result, outcomes, err)
        for error in result.errors + [f.error or f.write_error for f in result.files if f.error or f.write_error]:
            err.write(f"gradsh {request.command}: error: {visible(error)}\n")
        if result.errors and not result.files and request.output_format != "json":
            return result.exit_code  # nothing ran: the message says it all
        render(request, result, out)
    except KeyboardInterrupt:  # a second Ctrl-C, or one while writing: stop quietly
        err.write(f"gradsh {request.command}: interrupted\n")
        return INTERRUPTED
    return result.exit_code
