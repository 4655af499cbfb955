"""Where examples are looked for in each kind of file: the regions of text that hold them."""

from __future__ import annotations

import ast
import dataclasses
import re

from gradsh.transcript.source import InputError, SourceText

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
# Fences whose content may be a Python session; any other language is left alone.
_SESSION_LANGUAGES = {"", "pycon", "python", "py", "python3", "py3", "doctest", "ipython", "ipython3", "pycon3"}
_STRING_PREFIX = re.compile(r"^[rRuUbBfF]*")


@dataclasses.dataclass(frozen=True)
class Region:
    text: str
    base: int | None  # offset of `text` in the source text; None when it is not a slice of it
    first_line: int  # 1-based line of the region's first character
    name: str | None = None  # a docstring's owner as doctest names it, after the module: "f", "C.m" ("" the module)


def find(src: SourceText, kind: str) -> list[Region]:
    if kind == "markdown":
        return _markdown(src)
    if kind == "python":
        return _docstrings(src)
    return [Region(src.text, 0, 1)]


def _markdown(src: SourceText) -> list[Region]:
    """The contents of fenced code blocks (```pycon, ```python, ...); an unclosed fence runs to the end."""
    found = []
    lines = src.text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m or (m.group("fence")[0] == "~" and "~" in m.group("info")):
            i += 1
            continue
        fence, language = m.group("fence"), (m.group("info").split() or [""])[0].lower().strip("{}.")
        close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if close.match(lines[j])), len(lines))
        if language in _SESSION_LANGUAGES and end > i + 1:
            start, stop = offsets[i + 1], min(offsets[end], len(src.text))
            found.append(Region(src.text[start:stop], start, i + 2))
        i = end + 1
    return found


def _docstrings(src: SourceText) -> list[Region]:
    """The docstrings doctest's finder runs, in source order: the module's, and those of its classes and
    functions, into class bodies at any depth (not functions nested in functions: doctest never sees those)."""
    try:
        tree = ast.parse(src.text, filename=src.path)
    except SyntaxError as exc:
        raise InputError(
            src.path, f"not valid Python, so its docstrings cannot be read: {exc.msg}", exc.lineno
        ) from None
    line_starts = [0]
    for line in src.text.split("\n"):
        line_starts.append(line_starts[-1] + len(line) + 1)
    found: list[Region] = []
    owners: list[tuple[ast.AST, str]] = [(tree, "")]
    while owners:
        node, name = owners.pop()
        body = getattr(node, "body", [])
        first = body[0] if body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            region = _docstring_region(src.text, line_starts, first.value, first.value.value)
            found.append(dataclasses.replace(region, name=name))
        if isinstance(node, (ast.Module, ast.ClassDef)):
            for child in body:
                if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    owners.append((child, f"{name}.{child.name}" if name else child.name))
    return sorted(found, key=lambda r: r.first_line)


def _docstring_region(text: str, line_starts: list[int], node: ast.Constant, value: str) -> Region:
    # ast's columns count UTF-8 bytes; turn them into character offsets.
    def offset(line: int, col: int) -> int:
        start = line_starts[line - 1]
        line_text = text[start : line_starts[line] - 1] if line < len(line_starts) else text[start:]
        return start + len(line_text.encode("utf-8")[:col].decode("utf-8", "replace"))

    begin, end = offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)
    literal = text[begin:end]
    prefix = _STRING_PREFIX.match(literal).group()
    quote = literal[len(prefix) : len(prefix) + 3]
    quote = quote if quote in ('"""', "'''") else quote[:1]
    inner_start, inner_end = begin + len(prefix) + len(quote), end - len(quote)
    if text[inner_start:inner_end] == value:
        return Region(value, inner_start, node.lineno)
    # Escapes or implicit concatenation: the value is not a slice of the file, so it is read-only.
    return Region(value, None, node.lineno)
