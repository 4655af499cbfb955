"""The text between a transcript's examples, as paragraphs of plain text for the page.

An example covers its source lines and its expected output; everything else in the file is
prose. Markdown code fences around examples are dropped (they only frame the code); any other
markup, raw HTML included, is kept as text: the page shows it, never renders it.
"""

from __future__ import annotations

import re

from gradsh.report.model import ExampleResult

_FENCE = re.compile(r"\s*(```|~~~)[\w+-]*\s*$")


def _span(example: ExampleResult) -> tuple[int, int]:
    """The 1-based first line and the line after the example (its source and expected output)."""
    source_lines = example.source.rstrip("\n").count("\n") + 1
    want_lines = example.want.count("\n") if example.want else 0
    return example.line, example.line + source_lines + want_lines


def _paragraphs(lines: list[str]) -> list[str]:
    paragraphs, current = [], []
    for line in lines:
        if _FENCE.match(line):
            continue
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return paragraphs


def interleave(text: str, examples: list[ExampleResult]) -> list[tuple[list[str], ExampleResult | None]]:
    """[(paragraphs before example i, example i)...], then (the paragraphs after the last, None)."""
    lines = text.split("\n")
    out: list[tuple[list[str], ExampleResult | None]] = []
    at = 1
    for example in examples:
        start, end = _span(example)
        out.append((_paragraphs(lines[at - 1 : max(at, start) - 1]), example))
        at = max(at, end)
    out.append((_paragraphs(lines[at - 1 :]), None))
    return out
