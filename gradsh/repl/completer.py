"""Completion from the live namespace: names, keywords, builtins, and attributes of what a dotted name holds
(tensor methods included). Attributes are read with getattr only: nothing the user typed is evaluated."""

from __future__ import annotations

import builtins
import keyword
import re
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

_DOTTED = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(\w*)$")
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)$")
_COMMANDS = ("why", "graph", "mode", "save", "undo", "reset", "report", "help")


class NamespaceCompleter(Completer):
    def __init__(self, namespace: Callable[[], dict[str, Any]]) -> None:
        self.namespace = namespace  # called at each completion: the session may have been reset

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        line = document.current_line_before_cursor
        if line.startswith("%") and " " not in line:
            yield from _matching(line[1:], [f"{c}" for c in _COMMANDS])
            return
        if _in_string_or_comment(line):
            return
        dotted = _DOTTED.search(line)
        if dotted:
            obj = _resolve(dotted.group(1), self.namespace())
            if obj is not _MISSING:
                yield from _matching(dotted.group(2), _attributes(obj))
            return
        name = _NAME.search(line)
        if name:
            names = [*self.namespace(), *dir(builtins), *keyword.kwlist]
            yield from _matching(name.group(1), sorted(set(names)))


_MISSING = object()


def _resolve(path: str, namespace: dict[str, Any]) -> Any:
    head, *rest = path.split(".")
    if head in namespace:
        obj = namespace[head]
    elif hasattr(builtins, head):
        obj = getattr(builtins, head)
    else:
        return _MISSING
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. reading a non-leaf's .grad warns
        for part in rest:
            try:
                obj = getattr(obj, part)
            except Exception:  # noqa: BLE001 - a property that raises just offers nothing
                return _MISSING
    return obj


def _attributes(obj: Any) -> list[str]:
    try:
        names = set(dir(obj))
    except Exception:  # noqa: BLE001
        return []
    return sorted(names, key=lambda n: (n.startswith("_"), n.startswith("__"), n))


def _matching(prefix: str, names: Iterable[str]) -> Iterable[Completion]:
    for name in names:
        if name.startswith(prefix) and (prefix.startswith("_") or not name.startswith("_")) and name != prefix:
            yield Completion(name, start_position=-len(prefix))


def _in_string_or_comment(line: str) -> bool:
    quote = None
    for ch in line:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return True
    return quote is not None
