"""What parsing yields: examples with their exact positions in the source text."""

from __future__ import annotations

import dataclasses

from gradsh.transcript.source import SourceText


@dataclasses.dataclass(frozen=True)
class Example:
    """One example: source to run and the output written under it.

    `want` and `exc_msg` are what doctest makes of the written output (indent removed, tabs
    expanded, the exception line of an expected traceback). `line` is the 1-based line of the
    first source line. `want_span` is where the written output lies in `SourceText.text`
    (None when it cannot be rewritten in place, e.g. a docstring with escapes).
    """

    source: str
    want: str
    exc_msg: str | None
    line: int
    indent: int
    options: dict[int, bool] = dataclasses.field(default_factory=dict)  # doctest option flags
    extras: frozenset[str] = frozenset()  # gradsh's own directives: SKIP (xdoctest), TOLERANCE
    want_span: tuple[int, int] | None = None
    style: str = "doctest"  # or "ipython": `In [n]:` prompts, the value shown after `Out[n]:`
    prompt_number: int = 0  # n of `In [n]:`, for rewriting `Out[n]:`
    name: str = ""  # in a .py file, the docstring's owner as doctest names it: "pkg.mod.func" (else "")


@dataclasses.dataclass
class Transcript:
    """A parsed file: its text and its examples, in order."""

    source: SourceText
    examples: list[Example]
    kind: str  # "text", "markdown", "python", "rest"

    @property
    def path(self) -> str:
        return self.source.path
