"""The words and layout shared by the plain and the rich renderer: pure formatting of the result model."""

from __future__ import annotations

from gradsh.report.model import (
    FAILED,
    NOT_RUN,
    PASSED,
    SKIPPED,
    ExampleResult,
    GradMode,
    GradReport,
    RunResult,
    TensorLine,
)


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


def _mode(mode: GradMode) -> str:
    if mode.inference_mode:
        return "inference mode"
    return "grad enabled" if mode.grad_enabled else "grad disabled"


def report_lines(report: GradReport) -> list[str]:
    lines = [tensor_line(t) for t in report.tensors]
    if report.mode_before is not None and report.mode_after is not None:
        lines.append(f"grad mode: {_mode(report.mode_before)} -> {_mode(report.mode_after)}")
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
