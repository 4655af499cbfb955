"""IPython transcripts: `In [n]: code`, `   ...: more code`, printed lines, `Out[n]: value`.

The expected output of an example is what it printed followed by the value after `Out[n]:`
(on the same line, or on the lines after it for a multi-line value, as IPython shows it). An
expected error is recognised by its last line (`RuntimeError: ...`) after a traceback header.
"""

from __future__ import annotations

import doctest
import re
from collections.abc import Callable

from gradsh.transcript.examples import Example

_IN = re.compile(r"^(?P<indent>[ ]*)In \[(?P<n>\d+)\]:(?: (?P<src>.*)|$)")
_MORE = re.compile(r"^[ ]*\.\.\.+:(?: (?P<src>.*)|$)")
_OUT = re.compile(r"^[ ]*Out\[\d+\]:(?: ?(?P<rest>.*))?$")
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)")
_OPTIONS = doctest.DocTestParser()


def examples(
    text: str, base: int | None, first_line: int, path: str, extras_of: Callable[[str, str, int], set[str]]
) -> list[Example]:
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    found: list[Example] = []
    i = 0
    while i < len(lines):
        m = _IN.match(lines[i])
        if not m:
            i += 1
            continue
        line0 = first_line - 1 + i
        source_lines = [m.group("src") or ""]
        i += 1
        while i < len(lines) and (more := _MORE.match(lines[i])):
            source_lines.append(more.group("src") or "")
            i += 1
        want_start = i
        while i < len(lines) and lines[i].strip() and not _IN.match(lines[i]):
            i += 1
        want_lines = lines[want_start:i]
        source = "\n".join(source_lines).rstrip("\n") + "\n"
        if not source.strip() or _OPTIONS._IS_BLANK_OR_COMMENT(source):
            continue
        want = _want(want_lines)
        # At the very end of the text a line "starts" one past it: clamp both ends.
        span = None if base is None else (base + min(starts[want_start], len(text)), base + min(starts[i], len(text)))
        options = _OPTIONS._find_options(source, path, line0)
        ex = doctest.Example(source, want, _exception_line(want_lines))
        found.append(
            Example(
                ex.source,
                ex.want,
                ex.exc_msg,
                line0 + 1,
                len(m.group("indent")),
                options,
                frozenset(extras_of(source, path, line0 + 1)),
                span,
                "ipython",
                int(m.group("n")),
            )
        )
    return found


def _want(lines: list[str]) -> str:
    out = []
    for line in lines:
        m = _OUT.match(line)
        if m:
            if m.group("rest"):
                out.append(m.group("rest"))
        else:
            out.append(line)
    return "".join(line + "\n" for line in out)


def _exception_line(lines: list[str]) -> str | None:
    if not any(_TRACEBACK.search(line) for line in lines):
        return None
    return lines[-1].strip() + "\n"
