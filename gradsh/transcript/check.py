"""Verdicts: doctest's matching rules (through its own OutputChecker), plus gradsh's opt-in extras.

The same flags and directives as doctest (ELLIPSIS, NORMALIZE_WHITESPACE, IGNORE_EXCEPTION_DETAIL,
SKIP, <BLANKLINE>, an expected traceback's header and last line), so doctest and gradsh agree.
Extras: `# xdoctest: +SKIP`, and numeric tolerance (`# gradsh: +TOLERANCE` or `--tolerance`).
"""

from __future__ import annotations

import doctest

from gradsh.transcript.examples import Example
from gradsh.transcript.session import TRACEBACK_HEADER, Execution
from gradsh.transcript.tolerance import Tolerance, matches

_CHECKER = doctest.OutputChecker()


def flags_for(example: Example, optionflags: int) -> int:
    """The doctest option flags in force for an example: the command's, then its own directives."""
    flags = optionflags
    for flag, on in example.options.items():
        flags = flags | flag if on else flags & ~flag
    return flags


def is_skipped(example: Example, optionflags: int) -> bool:
    return bool(flags_for(example, optionflags) & doctest.SKIP) or "SKIP" in example.extras


def _same(want: str, got: str, flags: int, tolerance: Tolerance | None) -> bool:
    if _CHECKER.check_output(want, got, flags):
        return True
    return tolerance is not None and matches(want, got, tolerance)


def passes(example: Example, run: Execution, optionflags: int = 0, tolerance: Tolerance | None = None) -> bool:
    """doctest's verdict for one example (with the tolerance when it is on for this example)."""
    if run.timed_out:
        return False
    flags = flags_for(example, optionflags)
    tol = tolerance or (Tolerance() if "TOLERANCE" in example.extras else None)
    if run.exc_msg is None:
        return _same(example.want, run.got, flags, tol)
    if example.exc_msg is None:
        return False  # an exception nobody expected; the output printed before it does not count
    if _same(example.exc_msg, run.exc_msg, flags, None):
        return True
    if flags & doctest.IGNORE_EXCEPTION_DETAIL:
        strip = doctest._strip_exception_details
        return _same(strip(example.exc_msg), strip(run.exc_msg), flags, None)
    return False


def traceback_head(example: Example) -> str:
    """An expected traceback's header and body as the author wrote them (doctest compares neither), or
    doctest's short form when the example expects no exception."""
    if example.exc_msg is not None and example.want.endswith(example.exc_msg):
        return example.want[: len(example.want) - len(example.exc_msg)]
    return TRACEBACK_HEADER + "    ...\n"


def difference(example: Example, run: Execution, optionflags: int = 0) -> str:
    """A readable expected-vs-got report (a unified diff when both are long), as doctest writes it.

    Where an exception was expected and one was raised, only the exception lines can differ for doctest:
    the traceback's header and body are shown as the author wrote them, so the diff holds only what counts."""
    flags = flags_for(example, optionflags) | doctest.REPORT_UDIFF
    want_example = doctest.Example(example.source, example.want)
    got = run.shown
    if run.exc_msg is not None and example.exc_msg is not None:
        got = traceback_head(example) + run.exc_msg
    return _CHECKER.output_difference(want_example, got, flags)
