"""One transcript file, start to end: parse, run every example in a fresh session, check, fix."""

from __future__ import annotations

import dataclasses
import doctest
import time
from typing import Protocol

from gradsh.report.limits import LIMIT, cap
from gradsh.report.model import FAILED, NOT_RUN, PASSED, SKIPPED, ExampleResult, ExceptionInfo, FileResult
from gradsh.transcript import check, fix
from gradsh.transcript.backend import DEFAULT_BACKEND
from gradsh.transcript.examples import Example, Transcript
from gradsh.transcript.parse import parse_file, parse_source
from gradsh.transcript.pymodule import import_by_path
from gradsh.transcript.session import Execution, Session
from gradsh.transcript.source import InputError, SourceText, decode
from gradsh.transcript.tolerance import Tolerance


@dataclasses.dataclass(frozen=True)
class Options:
    backend: str = DEFAULT_BACKEND
    optionflags: int = 0  # doctest flags for every example (ELLIPSIS, ...)
    tolerance: Tolerance | None = None  # numeric tolerance for every example (else per `# gradsh: +TOLERANCE`)
    timeout: float | None = None  # seconds per example
    fix: bool = False
    grad_report: bool = True
    graphs: bool = False  # capture each example's backward graph (a replay page was asked for)


@dataclasses.dataclass
class FileOutcome:
    """A file's results, and for --fix the bytes to write (written only if the whole command is sound).

    `old_bytes` is the file as it was read: --fix writes only if the file still holds exactly that."""

    result: FileResult
    new_bytes: bytes | None = None
    old_bytes: bytes | None = None


class Listener(Protocol):
    """Told of each example as it starts and ends (the child process streams these to its parent)."""

    def planned(self, examples: list[ExampleResult]) -> None:
        """The file's examples, in order, before any runs (each marked NOT_RUN)."""

    def started(self, index: int) -> None: ...

    def finished(self, index: int, result: ExampleResult) -> None: ...


def _result(path: str, ex: Example, run: Execution | None, verdict: str, diff: str = "") -> ExampleResult:
    """The result to keep and show: every text capped (limits.cap); the verdict was made on the whole text."""
    if run is None:
        return ExampleResult(path, ex.line, cap(ex.source), cap(ex.want), "", verdict, name=ex.name)
    reason = "timed out" if run.timed_out else ""
    exception = run.exception and ExceptionInfo(run.exception.type, cap(run.exception.message))
    return ExampleResult(
        path,
        ex.line,
        cap(ex.source),
        cap(ex.want),
        cap(run.shown),
        verdict,
        exception,
        [cap(w) for w in run.warnings],
        cap(run.stderr),
        run.report,
        cap(diff),
        reason,
        run.duration,
        name=ex.name,
    )


def _difference(ex: Example, run: Execution, optionflags: int) -> str:
    """The readable difference, made from capped texts: a diff of 100 MB of output would take minutes."""
    if len(run.got) <= LIMIT and len(ex.want) <= LIMIT and len(run.exc_msg or "") <= LIMIT:
        return check.difference(ex, run, optionflags)
    short_run = dataclasses.replace(run, got=cap(run.got), exc_msg=run.exc_msg and cap(run.exc_msg))
    return check.difference(dataclasses.replace(ex, want=cap(ex.want)), short_run, optionflags)


def planned(transcript: Transcript) -> list[ExampleResult]:
    """The file's examples as results not yet run, in order."""
    return [_result(transcript.path, ex, None, NOT_RUN) for ex in transcript.examples]


def run_file(
    path: str, options: Options, listener: Listener | None = None, transcript: Transcript | None = None
) -> FileOutcome:
    """Run one file (parsed already when `transcript` is given); an unusable file gives a FileResult with
    `error` set (exit 2), never an exception."""
    start = time.perf_counter()
    if transcript is None:
        try:
            transcript = parse_file(path)
        except InputError as exc:
            return FileOutcome(FileResult(path, error=str(exc)))
    if listener is not None:
        listener.planned(planned(transcript))
    with Session(
        options.backend, options.timeout, options.grad_report, interrupt_is_failure=True, graphs=options.graphs
    ) as session:
        result = FileResult(path)
        runs: list[tuple[Example, Execution]] = []
        module_globals: dict | None = None
        if transcript.kind == "python" and transcript.examples:
            try:  # after the session bound `torch`: the module's own `import torch` gets the backend
                module_globals = vars(import_by_path(path, options.timeout))
            except InputError as exc:
                return FileOutcome(FileResult(path, error=str(exc)))
        owner = None
        for index, ex in enumerate(transcript.examples):
            if module_globals is not None and ex.name != owner:
                owner = ex.name  # each docstring runs in its own copy of the module's globals, as in doctest
                session.use_namespace(dict(module_globals))
            if check.is_skipped(ex, options.optionflags):
                result.examples.append(_result(path, ex, None, SKIPPED))
            else:
                if listener is not None:
                    listener.started(index)
                run = session.run(ex.source, f"<{path}:{ex.line}>", ipython=ex.style == "ipython")
                ok = check.passes(ex, run, options.optionflags, options.tolerance)
                diff = "" if ok else _difference(ex, run, options.optionflags)
                result.examples.append(_result(path, ex, run, PASSED if ok else FAILED, diff))
                if not ok:
                    runs.append((ex, run))
            if listener is not None:
                listener.finished(index, result.examples[-1])
    outcome = FileOutcome(result)
    if options.fix and runs:
        outcome.new_bytes = _fix(transcript, runs, result, options)
        if outcome.new_bytes is not None:
            outcome.old_bytes = transcript.source.data
    result.duration = time.perf_counter() - start
    return outcome


def _directive_edit(src: SourceText, ex: Example) -> tuple[int, int, str] | None:
    """The edit that puts `# doctest: +ELLIPSIS` at the end of a line of the example's source (the one change
    --fix makes outside expected outputs), or None when no line can take it."""
    index = fix.directive_line(ex.source) if ex.style == "doctest" else None
    if index is None:
        return None
    start, end = src.raw_line(ex.line + index)
    if not src.raw[start:end].rstrip().endswith(ex.source.split("\n")[index].rstrip()):
        return None  # the line in the file is not that source line as written (tabs): leave it
    end = start + len(src.raw[start:end].rstrip(" \t"))
    return end, end, fix.ELLIPSIS_DIRECTIVE


def _fix(
    transcript: Transcript, failed: list[tuple[Example, Execution]], result: FileResult, options: Options
) -> bytes | None:
    src = transcript.source
    edits, fixed = [], []
    for ex, run in failed:
        where = f"{src.path}:{ex.line}"
        if run.timed_out:
            result.fix_notes.append(f"{where}: not rewritten: it timed out, so its output is unknown")
            continue
        if ex.want_span is None:
            result.fix_notes.append(
                f"{where}: not rewritten: its text is not a plain slice of the file (escapes in a docstring)"
            )
            continue
        text = fix.expected_text(ex, run)
        why = fix.why_not_writable(text, ex, transcript.kind)
        directive = None
        if not why and fix.mask_addresses(text) != text:
            text = fix.mask_addresses(text)  # an address differs on every run: a fix must hold on the next one
            if not check.flags_for(ex, options.optionflags) & doctest.ELLIPSIS:
                directive = _directive_edit(src, ex)
                why = (
                    None
                    if directive
                    else "its output holds an object address, and no line of it can take `# doctest: +ELLIPSIS`"
                )
        if why:
            result.fix_notes.append(f"{where}: not rewritten: {why}")
            continue
        if directive:
            edits.append(directive)
        start, end = (src.original_offset(o) for o in ex.want_span)
        newline = fix.ending_before(src.raw, start, src.newline)
        edits.append((start, end, fix.replacement(src.raw, start, end, text, ex.indent, newline)))
        fixed.append((ex, run))
    if not edits:
        return None
    new_raw = fix.apply(src.raw, edits)
    # Read back what would be written: each rewritten example must now pass as written, or nothing is written.
    try:
        again = parse_source(decode(src.path, src.encode(new_raw), src.encoding), transcript.kind)
    except InputError as exc:
        result.fix_notes.append(f"{src.path}: not rewritten: the fixed text would not parse ({exc.message})")
        return None
    if len(again.examples) != len(transcript.examples):
        result.fix_notes.append(f"{src.path}: not rewritten: the fixed text would hold other examples")
        return None
    by_line = {id(ex): new for ex, new in zip(transcript.examples, again.examples, strict=True)}
    for ex, run in fixed:
        if not check.passes(by_line[id(ex)], run, options.optionflags, options.tolerance):
            result.fix_notes.append(f"{src.path}:{ex.line}: not rewritten: its output does not read back as written")
            return None
    fixed_lines = {ex.line for ex, _ in fixed}
    for example in result.examples:
        if example.verdict == FAILED and example.line in fixed_lines:
            example.fixed = True
    result.fixed = len(fixed)
    return src.encode(new_raw)
