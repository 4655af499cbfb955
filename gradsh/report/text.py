"""The words and layout shared by the plain and the rich renderer: pure formatting of the result model."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from gradsh.report.grad_modes import state_words
from gradsh.report.model import (
    FAILED,
    NOT_RUN,
    PASSED,
    SKIPPED,
    ExampleResult,
    GradReport,
    RunResult,
    TensorLine,
)

# What a terminal would act on rather than show: C0 controls but tab and newline, DEL, C1 controls
# (0x9b is a one-byte CSI on some terminals), and the bidirectional overrides that reorder a line.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    # As Python's repr writes them.
    char = m.group()
    return "\\r" if char == "\r" else f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def visible(text: str) -> str:
    """`text` with every control character shown as an escape (`\\x1b`), tab and newline kept: a transcript's
    output can then never retitle, clear or reprogram the terminal it is shown on."""
    return _CONTROL.sub(_escape, text)


def owner(example: ExampleResult) -> str:
    """The owner of an example of a .py docstring, as doctest names it: " (pkg.mod.func)"; "" otherwise."""
    return f" ({example.name})" if example.name else ""


def prompted(source: str) -> list[str]:
    lines = source.rstrip("\n").split("\n")
    return [(">>> " if i == 0 else "... ") + line for i, line in enumerate(lines)]


# (field, its words for one tensor; "" when a line leaves it out)
_FIELDS: list[tuple[str, Callable[[TensorLine], str]]] = [
    ("shape", lambda t: str(list(t.shape))),
    ("dtype", lambda t: t.dtype.removeprefix("torch.")),
    ("requires_grad", lambda t: f"requires_grad={t.requires_grad}"),
    ("is_leaf", lambda t: f"is_leaf={t.is_leaf}"),
    ("is_inference", lambda t: "is_inference=True" if t.inference else ""),
    ("grad_fn", lambda t: f"grad_fn=<{t.grad_fn}>" if t.grad_fn else ""),
    ("grad", lambda t: f"grad={t.grad}" if t.grad is not None else ""),
    ("hooks", lambda t: f"hooks={t.hooks}" if t.hooks else ""),
    ("tangent", lambda t: f"tangent={t.tangent}" if t.tangent is not None else ""),
]
# More elements of one list, tuple or dict than this in a report are summarised in one line (unless full).
SUMMARY_OVER = 5


def tensor_line(t: TensorLine) -> str:
    words = [w for w in (fn(t) for _, fn in _FIELDS) if w]
    return f"{t.name} ({', '.join(t.changes)}): " + " ".join(words)


def report_lines(report: GradReport, full: bool = False) -> list[str]:
    """A line per tensor, and the grad mode's change; more than SUMMARY_OVER elements of one container in a
    row become one summary line unless `full` (`-v`, `%report full`)."""
    lines = []
    for group in _runs(report.tensors):
        if len(group) > SUMMARY_OVER and not full:
            lines.append(summary_line(group))
        else:
            lines += [tensor_line(t) for t in group]
    if report.mode_before is not None and report.mode_after is not None:
        lines.append(f"grad mode: {state_words(report.mode_before)} -> {state_words(report.mode_after)}")
    return lines


def _runs(tensors: list[TensorLine]) -> list[list[TensorLine]]:
    """Consecutive elements of one container together; every other line alone."""
    runs: list[list[TensorLine]] = []
    for t in tensors:
        last = runs[-1][-1] if runs else None
        if last is not None and t.holder and last.holder == t.holder and _container(last) == _container(t):
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def _container(t: TensorLine) -> str:
    return t.name.split("[", 1)[0]


def summary_line(group: list[TensorLine]) -> str:
    """`ts (new): list of 30 tensors, all [2] float32 requires_grad=True is_leaf=True`, or what they share and,
    field by field, the most common value and how many differ from it."""
    changes: list[str] = []
    for t in group:
        changes += [c for c in t.changes if c not in changes]
    shared, differing = [], []
    for field, words_of in _FIELDS:
        counts = Counter(words_of(t) for t in group)
        common, n = counts.most_common(1)[0]
        if n == len(group):
            if common:
                shared.append(common)
            continue
        others = len(group) - n
        differing.append(f"{common or f'{field}=None'} but {others} differ{'s' if others == 1 else ''}")
    head = f"{_container(group[0])} ({', '.join(changes)}): {group[0].holder} of {len(group)} tensors"
    text = head + (", all " + " ".join(shared) if shared else "")
    return text + ("; " + "; ".join(differing) if differing else "")


def verdict_word(example: ExampleResult) -> str:
    if example.fixed:
        return "FIXED"
    return {PASSED: "ok", FAILED: "FAILED", SKIPPED: "skipped", NOT_RUN: "not run"}[example.verdict]


def shown_in_check(example: ExampleResult, verbose: bool) -> bool:
    """`check` shows failures and examples that never ran (all of them with -v)."""
    return verbose or example.verdict in (FAILED, NOT_RUN)


def summary(result: RunResult) -> str:
    """The closing line: 'N passed, M failed' (', K skipped' and the rest only when there are any)."""
    totals = result.totals()
    text = f"{totals[PASSED]} passed, {totals[FAILED]} failed"
    if totals[SKIPPED]:
        text += f", {totals[SKIPPED]} skipped"
    if totals["not_run"]:
        text += f", {totals['not_run']} not run"
    extras = ["interrupted (Ctrl-C)"] if result.interrupted else []
    if totals["fixed"]:
        extras.append(f"{totals['fixed']} fixed")
    if totals["errors"]:
        extras.append(f"{totals['errors']} input error{'s' if totals['errors'] != 1 else ''}")
    files = totals["files"]
    extras.append(f"{files} file{'s' if files != 1 else ''} in {result.duration:.2f}s on {result.backend}")
    return f"{text} ({'; '.join(extras)})"
