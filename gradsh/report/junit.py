"""JUnit XML renderer (`--junit-xml PATH`): a <testsuite> per file, a <testcase> per example.

A failing example is a <failure> (its diff as text), a skipped one <skipped/>, an unusable file
a <testsuite> holding one <testcase> with an <error>. The grad report and warnings go to <system-out>.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from gradsh.report import text
from gradsh.report.model import FAILED, NOT_RUN, PASSED, SKIPPED, ExampleResult, FileResult, RunResult

# XML 1.0 cannot hold most control characters, even escaped: show them as \\xNN.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(value: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def _case(suite: ET.Element, ex: ExampleResult) -> None:
    first = ex.source.split("\n", 1)[0]
    case = ET.SubElement(
        suite,
        "testcase",
        classname=_clean(ex.name or ex.path),  # a docstring's example: its owner, "pkg.mod.func"
        name=_clean(f"line {ex.line}: {first}"),
        file=_clean(ex.path),
        line=str(ex.line),
        time=f"{ex.duration:.6f}",
    )
    if ex.verdict == FAILED:
        message = ex.reason or (f"{ex.exception.type}: {ex.exception.message}" if ex.exception else "output differs")
        failure = ET.SubElement(case, "failure", message=_clean(message.split("\n", 1)[0]), type="gradsh.mismatch")
        failure.text = _clean(ex.diff or ex.reason)
    elif ex.verdict == SKIPPED:
        ET.SubElement(case, "skipped", message="skipped by a directive")
    elif ex.verdict == NOT_RUN:
        ET.SubElement(case, "skipped", message=_clean(ex.reason or "not run"))
    extra = [f"warning: {w}" for w in ex.warnings] + text.report_lines(ex.report)
    if extra:
        ET.SubElement(case, "system-out").text = _clean("\n".join(extra) + "\n")


def _suite(root: ET.Element, f: FileResult) -> None:
    suite = ET.SubElement(
        root,
        "testsuite",
        name=_clean(f.path),
        tests=str(len(f.examples) or int(bool(f.error))),
        failures=str(f.count(FAILED)),
        skipped=str(f.count(SKIPPED) + f.count(NOT_RUN)),
        errors=str(int(f.error is not None)),
        time=f"{f.duration:.6f}",
    )
    if f.error:
        case = ET.SubElement(suite, "testcase", classname=_clean(f.path), name="read", file=_clean(f.path))
        ET.SubElement(case, "error", message=_clean(f.error), type="gradsh.input")
    for ex in f.examples:
        _case(suite, ex)


def render(result: RunResult) -> str:
    totals = result.totals()
    root = ET.Element(
        "testsuites",
        name=f"gradsh {result.command}",
        tests=str(totals[PASSED] + totals[FAILED] + totals[SKIPPED] + totals["not_run"]),
        failures=str(totals[FAILED]),
        skipped=str(totals[SKIPPED] + totals["not_run"]),
        errors=str(totals["errors"]),
        time=f"{result.duration:.6f}",
    )
    for f in result.files:
        _suite(root, f)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
