"""`--fix`: rewrite the expected output of failing examples in place, every other byte as it was.

Only the characters of each expected output change (found by exact positions, mapped back to
the file's own line endings and encoding); prose, fences, CRLF and a BOM stay. The file is
written by replace.py (a temporary file beside it, then a rename). Output that no transcript can
express (a line starting with `>>>`, a tab, a closing fence inside Markdown, ...) is not written;
the example is named instead.
"""

from __future__ import annotations

import re

from gradsh.transcript.check import traceback_head
from gradsh.transcript.examples import Example
from gradsh.transcript.session import Execution

_FENCE_LINE = re.compile(r"^[ \t]*(```|~~~)")
_IPYTHON_PROMPT = re.compile(r"^[ ]*In \[\d+\]:")


# An object's address in a repr (`<MulBackward0 object at 0x7f...>`, a RemovableHandle, a generator, a
# function): it differs from run to run, so --fix writes `0x...` and turns ELLIPSIS on for the example.
_ADDRESS = re.compile(r"\b(at 0x)[0-9a-fA-F]+\b")
ELLIPSIS_DIRECTIVE = "  # doctest: +ELLIPSIS"


def mask_addresses(text: str) -> str:
    """`text` with every object address written `0x...`, which ELLIPSIS matches on any run and backend."""
    return _ADDRESS.sub(r"\1...", text)


def directive_line(source: str) -> int | None:
    """The 0-based line of an example's source that can take a `# doctest:` comment at its end: the first that
    ends outside a string and has no comment yet (doctest reads one directive comment a line). None: none can."""
    import io
    import tokenize

    ends, commented = set(), set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL):
                ends.add(token.start[0] - 1)
            elif token.type == tokenize.COMMENT:
                commented.add(token.start[0] - 1)
    except (tokenize.TokenError, SyntaxError):
        return None
    lines = source.rstrip("\n").split("\n")
    return next((i for i in range(len(lines)) if i in ends and i not in commented and lines[i].strip()), None)


def expected_text(example: Example, run: Execution) -> str:
    """What the transcript should say under this example, without indent (doctest's form of `got`).
    An expected traceback keeps its header and body as the author wrote them: doctest compares neither."""
    if run.exc_msg is not None:
        return traceback_head(example) + run.exc_msg
    if example.style == "ipython" and run.displayed:
        value = run.displayed[-1] + "\n"
        printed = run.got[: len(run.got) - len(value)] if run.got.endswith(value) else run.got
        head = f"Out[{example.prompt_number}]:"
        shown = f"{head}\n{value}" if "\n" in value.rstrip("\n") else f"{head} {value}"
        return printed + shown
    return run.got


def why_not_writable(text: str, example: Example, kind: str) -> str | None:
    """Why `text` cannot stand as expected output in this kind of file (None: it can)."""
    lines = text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
    if "\t" in text:
        return "the output holds a tab, which doctest expands in expected output"
    if "\r" in text:
        return "the output holds a carriage return, which would split the line"
    for i, line in enumerate(lines):
        stripped = line.lstrip(" ")
        if stripped.startswith(">>>") or (i == 0 and stripped.startswith("...") and example.style == "doctest"):
            return f"an output line starts with {stripped[:3]!r}, which reads as a prompt"
        if line.strip() == "<BLANKLINE>":
            return "an output line is '<BLANKLINE>' itself"
        if example.style == "ipython" and _IPYTHON_PROMPT.match(line):
            return "an output line reads as an IPython prompt"
        if kind == "markdown" and _FENCE_LINE.match(line):
            return "an output line would close the Markdown fence"
    if kind == "python" and ('"""' in text or "'''" in text or "\\" in text):
        return "the output holds quotes or backslashes that would change the docstring"
    return None


def _indented(text: str, indent: int, newline: str) -> str:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    pad = " " * indent
    return newline.join(pad + ("<BLANKLINE>" if not line.strip() else line) for line in lines)


def replacement(raw: str, start: int, end: int, text: str, indent: int, newline: str) -> str:
    """The characters to put at raw[start:end] so that the expected output reads `text`."""
    body = _indented(text, indent, newline)
    old = raw[start:end]
    if not body:
        return ""
    if start > 0 and raw[start - 1] not in "\r\n":  # the source ended the file with no newline
        return newline + body
    if old:
        ends_line = old.endswith(("\n", "\r"))
        return body + (newline if ends_line else "")
    return body + newline


def ending_before(raw: str, start: int, default: str) -> str:
    """The line ending just before `start` (the example's own last line), so a mixed-ending file keeps each."""
    if raw[max(0, start - 2) : start] == "\r\n":
        return "\r\n"
    if start > 0 and raw[start - 1] in "\r\n":
        return raw[start - 1]
    return default


def apply(raw: str, edits: list[tuple[int, int, str]]) -> str:
    """Replace non-overlapping (start, end, text) spans of `raw`."""
    for start, end, text in sorted(edits, reverse=True):
        raw = raw[:start] + text + raw[end:]
    return raw
