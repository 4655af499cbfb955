"""The words and layout shared by the plain and the rich renderer: pure formatting of the result model."""

from __future__ import annotations

import re

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


def prompted(source: str) -> list[str]:
    lines = source.rstrip("\n").split("\n")
    return [(">>> " if i == 0 else "... ") + line for i, line in enumerate(lines)]


def tensor_line(t: TensorLine) -> str:
    dtype = t.dtype.removeprefix("torch.")
    parts = [f"{t.name} ({', '.join(t.changes)}):", f"{list(t.shape)} {dtype}", f"requires_grad={t.requires_grad}"]
    parts.append(f"is_leaf={t.is_leaf}")
    if t.grad_fn:
        parts.append(f"grad_fn=<{t.grad_fn}>")
    if t.grad is not None:
        parts.append(f"grad={t.grad}")
    return " ".join(parts)


def report_lines(report: GradReport) -> list[str]:
    lines = [tensor_line(t) for t in report.tensors]
    if report.mode_before is not None and report.mode_after is not None:
        lines.append(f"grad mode: {state_words(report.mode_before)} -> {state_words(report.mode_after)}")
    return lines


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
