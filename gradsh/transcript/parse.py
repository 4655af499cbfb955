"""Source text -> examples, with exact positions.

`>>>` examples are read with Python's own doctest parser (its regular expression and its
checks), so gradsh and `python -m doctest` see the same examples, the same expected output and
the same directives. What differs is where examples are looked for: the whole text of
.txt/.pycon/.rst files (reST `::` and `.. code-block::` blocks are indented `>>>` text that
doctest already reads), fenced blocks of Markdown (so the closing fence is never output), and
docstrings of .py files. IPython `In [n]:` transcripts have their own reader (ipython.py).
"""

from __future__ import annotations

import dataclasses
import doctest
import re
from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path

from gradsh.transcript import ipython, regions
from gradsh.transcript.examples import Example, Transcript
from gradsh.transcript.pymodule import module_name
from gradsh.transcript.source import InputError, SourceText, read

_PARSER = doctest.DocTestParser()
# gradsh's own directives live in comments doctest ignores, so a transcript stays doctest-clean.
_EXTRA_RE = re.compile(r"#\s*(xdoctest|gradsh):\s*([^\n'\"]*)$", re.MULTILINE)
_EXTRA_NAMES = {"xdoctest": {"SKIP"}, "gradsh": {"SKIP", "TOLERANCE"}}
_IPYTHON_PROMPT = re.compile(r"^[ ]*In \[\d+\]:", re.MULTILINE)
_LINE_IN_MESSAGE = re.compile(r"^line (\d+) of the (?:docstring|doctest) for .*? (?=has |lacks )")

KINDS = {".md": "markdown", ".markdown": "markdown", ".py": "python", ".rst": "rest"}


def kind_of(path: str | Path) -> str:
    return KINDS.get(Path(path).suffix.lower(), "text")


def extras_of(source: str, path: str, line: int) -> set[str]:
    """gradsh/xdoctest directives (`# xdoctest: +SKIP`, `# gradsh: +TOLERANCE`) in an example's source."""
    found = set()
    for m in _EXTRA_RE.finditer(source):
        for option in m.group(2).replace(",", " ").split():
            name = option.lstrip("+-")
            if name.split("(")[0] not in _EXTRA_NAMES[m.group(1)]:
                if m.group(1) == "gradsh":
                    raise InputError(path, f"unknown gradsh directive {option!r} (known: +SKIP, +TOLERANCE)", line)
                continue  # other xdoctest directives (REQUIRES, ...) are xdoctest's business
            if option.startswith("+"):
                found.add(name)
    return found


def _line_start_map(original: str, expanded: str) -> Callable[[int], int | None]:
    """For a text whose tabs were expanded: the offset in `original` of a line start (or the end) in `expanded`."""
    starts = [0] + [m.end() for m in re.finditer("\n", expanded)]
    original_starts = [0] + [m.end() for m in re.finditer("\n", original)]

    def mapped(offset: int) -> int | None:
        if offset == len(expanded):
            return len(original)
        line = bisect_right(starts, offset) - 1
        return original_starts[line] if starts[line] == offset else None

    return mapped


def _doctest_examples(text: str, base: int | None, first_line: int, path: str) -> list[Example]:
    """Examples of one region. `base` is the region's offset in the source text (None: not rewritable)."""
    to_original: Callable[[int], int | None] = lambda offset: offset
    if "\t" in text:
        # doctest expands tabs; an expected output is whole lines, so its span maps back line by line.
        expanded = text.expandtabs()
        to_original, text = _line_start_map(text, expanded), expanded
    examples: list[Example] = []
    block_skip = False
    last_end = 0
    for m in _PARSER._EXAMPLE_RE.finditer(text):
        line0 = first_line - 1 + text.count("\n", 0, m.start())
        if text[last_end : m.start()].strip():
            block_skip = False  # prose between examples starts a new block
        last_end = m.end()
        try:
            source, options, want, exc_msg = _PARSER._parse_example(m, path, line0)
        except ValueError as exc:
            message = str(exc)
            found = _LINE_IN_MESSAGE.match(message)
            line = int(found.group(1)) if found else line0 + 1
            raise InputError(path, _LINE_IN_MESSAGE.sub("", message) if found else message, line) from None
        extras = extras_of(source, path, line0 + 1)
        if _PARSER._IS_BLANK_OR_COMMENT(source):
            # xdoctest: a directive alone on a line applies to the rest of the block.
            block_skip = block_skip or "SKIP" in extras
            continue
        if block_skip:
            extras.add("SKIP")
        start, end = to_original(m.start("want")), to_original(m.end("want"))
        span = None if base is None or start is None or end is None else (base + start, base + end)
        ex = doctest.Example(source, want, exc_msg)  # adds the trailing newlines doctest adds
        examples.append(
            Example(ex.source, ex.want, ex.exc_msg, line0 + 1, len(m.group("indent")), options, frozenset(extras), span)
        )
    return examples


def _parse_region(text: str, base: int | None, first_line: int, path: str) -> list[Example]:
    if ">>>" not in text and _IPYTHON_PROMPT.search(text):
        return ipython.examples(text, base, first_line, path, extras_of)
    return _doctest_examples(text, base, first_line, path)


def parse_source(src: SourceText, kind: str | None = None) -> Transcript:
    """Parse decoded text; raises InputError for a malformed example or an unparsable .py file."""
    kind = kind or kind_of(src.path)
    examples: list[Example] = []
    module = module_name(src.path) if kind == "python" else ""
    for region in regions.find(src, kind):
        found = _parse_region(region.text, region.base, region.first_line, src.path)
        if region.name is not None:
            name = ".".join(part for part in (module, region.name) if part)
            found = [dataclasses.replace(ex, name=name) for ex in found]
        examples.extend(found)
    return Transcript(src, examples, kind)


def parse_file(path: str | Path, kind: str | None = None) -> Transcript:
    """Read, decode and parse a transcript file (InputError when that cannot be done)."""
    return parse_source(read(path), kind)
