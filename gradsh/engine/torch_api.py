"""PyTorch 2.13's names and signatures, as scripts/record_torch_api.py recorded them from the real package.

Nothing is read at import: each data file is loaded on first use and cached. The files live in
gradsh/engine/recorded/ (whose reader answers the name questions) and ship with the package.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Literal, NamedTuple

from .recorded import load as _load
from .recorded import recorded_modules, submodule_exists, torch_has  # noqa: F401 - part of this API

ParamKind = Literal["positional_only", "positional_or_keyword", "var_positional", "keyword_only", "var_keyword"]


# ----- signatures --------------------------------------------------------------------------------


class Param(NamedTuple):
    """One parameter as a documented signature gives it; `default` is its text (`"None"`, `"1"`)."""

    name: str
    kind: ParamKind
    default: str | None = None


class Signature(NamedTuple):
    """One documented overload: `add(input, other, *, alpha=1, out=None) -> Tensor`."""

    text: str
    name: str
    params: tuple[Param, ...]
    returns: str | None


class ParserParam(NamedTuple):
    """A parameter of PyTorch's argument parser: `Number alpha = 1` is type "Number", name "alpha"."""

    type: str
    name: str
    keyword_only: bool
    default: str | None


class ParserSignature(NamedTuple):
    """One overload as PyTorch's TypeError lists it: `(Tensor input, *, Tensor out = None)`."""

    text: str
    params: tuple[ParserParam, ...]


class ParserInfo(NamedTuple):
    """What PyTorch's argument parser says about a native callable.

    `name` is the name its errors use ("linalg_norm" for torch.linalg.norm). `overloads` lists the
    overloads when a call that cannot match prints them; a callable with one overload never prints its
    signature, and gives instead `positional` (least and most positional arguments), `required`, and
    `params`: each parameter's name and type as its wrong-type error names them (positional ones in
    order, then keyword-only ones; found by probing, no defaults). `noargs` marks methods that take no
    arguments (Python's own "takes no arguments" errors).
    """

    name: str | None
    overloads: tuple[ParserSignature, ...] = ()
    positional: tuple[int, int] | None = None
    required: tuple[str, ...] = ()
    noargs: bool = False
    message: str | None = None
    params: tuple[ParserParam, ...] = ()


_SIGNATURE_NAME = re.compile(r"^[\w.]+\(")


def _split_top_level(text: str) -> list[str]:
    """Split at the commas that are not inside brackets or quotes (defaults like `(1, 2)` or `','`)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def parse_signature(text: str) -> Signature:
    """Parse a documented signature line; `*` starts keyword-only parameters, `/` ends positional-only ones."""
    text = text.strip()
    head = _SIGNATURE_NAME.match(text)
    close = _closing_bracket(text, head.end() - 1) if head else -1
    rest = text[close + 1 :].strip()
    if close < 0 or rest and not rest.startswith("->"):
        raise ValueError(f"not a signature line: {text!r}")
    items = _split_top_level(text[head.end() : close])
    positional_only = "/" in items
    kind: ParamKind = "positional_only" if positional_only else "positional_or_keyword"
    params = []
    for item in items:
        item = item.replace("\\*", "*")  # reST-escaped stars in some docstrings
        if item == "/":
            kind = "positional_or_keyword"
            continue
        if item == "*":
            kind = "keyword_only"
            continue
        name, eq, default = item.partition("=")
        # some docstrings annotate (`out: Optional[Tensor]`) or type (`bool pivot=True`) a parameter
        name = name.partition(":")[0].strip().rpartition(" ")[2]
        if name.startswith("**"):
            params.append(Param(name[2:], "var_keyword"))
            continue
        if name.startswith("*"):
            params.append(Param(name[1:], "var_positional"))
            kind = "keyword_only"
            continue
        params.append(Param(name, kind, default.strip() if eq else None))
    returns = rest[2:].partition("  #")[0].strip() or None if rest else None
    return Signature(text, text[: head.end() - 1].rpartition(".")[2], tuple(params), returns)


def _closing_bracket(text: str, start: int) -> int:
    """The index of the bracket closing the one at `start`, or -1."""
    depth, quote = 0, ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _parse_parser_text(text: str) -> ParserSignature:
    params, keyword_only = [], False
    for item in _split_top_level(text[1:-1]):
        if item == "*":
            keyword_only = True
            continue
        decl, eq, default = item.partition(" = ")
        type_, _, name = decl.rpartition(" ")
        params.append(ParserParam(type_, name, keyword_only, default if eq else None))
    return ParserSignature(text, tuple(params))


def _entry(qualname: str) -> dict[str, Any] | None:
    return _load("torch_signatures.json")["signatures"].get(qualname)


def signature_names() -> list[str]:
    """Every callable whose signatures were recorded ("torch.add", "torch.Tensor.add", ...)."""
    return sorted(_load("torch_signatures.json")["signatures"])


@functools.cache
def signatures(qualname: str) -> tuple[Signature, ...]:
    """The documented overloads of `qualname` ("torch.max", "torch.Tensor.sum"); Tensor methods omit self.

    Where the docstring gives none, a Python function's own signature stands in; else empty.
    """
    entry = _entry(qualname)
    if entry is None:
        return ()
    name = qualname.rpartition(".")[2]
    lines = entry.get("doc") or ([name + entry["py"]] if "py" in entry else [])
    return tuple(parse_signature(line) for line in lines)


@functools.cache
def parser_info(qualname: str) -> ParserInfo | None:
    """PyTorch's argument-parser record for a native callable; None for Python functions and unknown names."""
    entry = _entry(qualname)
    if entry is None or "parser" not in entry:
        return None
    p = entry["parser"]
    return ParserInfo(
        name=p.get("name"),
        overloads=tuple(_parse_parser_text(t) for t in p.get("expected", ())),
        positional=tuple(p["positional"]) if "positional" in p else None,  # type: ignore[arg-type]
        required=tuple(p.get("required", ())),
        noargs=p.get("noargs", False),
        message=p.get("message"),
        params=tuple(
            ParserParam(type_, name.lstrip("*"), name.startswith("*"), None) for name, type_ in p.get("types", ())
        ),
    )
