"""The JSON document (its documented schema) and the JUnit XML, rendered from one result model."""

import json
import xml.etree.ElementTree as ET

from gradsh.report import json_out, junit, plain
from gradsh.report.model import (
    ExampleResult,
    ExceptionInfo,
    FileResult,
    GradMode,
    GradReport,
    RunResult,
    TensorLine,
)

REPORT = GradReport(
    [TensorLine("x", ["grad"], [2], "torch.float32", True, True, None, "[2., 2.]")],
    GradMode(True, False),
    GradMode(False, False),
)


def sample() -> RunResult:
    examples = [
        ExampleResult("a.txt", 3, "x = 1\n", "", "", "passed", duration=0.5),
        ExampleResult(
            "a.txt",
            4,
            "x.sum().backward()\n",
            "3\n",
            "Traceback (most recent call last):\n    ...\nRuntimeError: no\n",
            "failed",
            ExceptionInfo("RuntimeError", "no"),
            ["UserWarning: w"],
            "",
            REPORT,
            "Expected:\n    3\n",
        ),
        ExampleResult("a.txt", 9, "print('\\x00')\n", "", "\x00\n", "skipped"),
    ]
    files = [
        FileResult("a.txt", examples, duration=1.0),
        FileResult("bad.txt", error="bad.txt:2: lacks blank after >>>"),
    ]
    return RunResult(files, "gradsh.torch", "check", exit_code=2, duration=1.5)


def test_json_document_follows_the_schema() -> None:
    doc = json.loads(json_out.render(sample()))
    assert doc["schema"] == "gradsh.results/1" and doc["command"] == "check" and doc["exit_code"] == 2
    assert doc["totals"] == {"files": 2, "passed": 1, "failed": 1, "skipped": 1, "not_run": 0, "fixed": 0, "errors": 1}
    failed = doc["files"][0]["examples"][1]
    assert set(failed) == {
        "path",
        "line",
        "source",
        "want",
        "got",
        "verdict",
        "exception",
        "warnings",
        "stderr",
        "report",
        "diff",
        "reason",
        "duration",
        "fixed",
        "name",
    }
    assert failed["exception"] == {"type": "RuntimeError", "message": "no"}
    assert failed["report"] == {
        "tensors": [
            {
                "name": "x",
                "changes": ["grad"],
                "shape": [2],
                "dtype": "torch.float32",
                "requires_grad": True,
                "is_leaf": True,
                "grad_fn": None,
                "grad": "[2., 2.]",
                "holder": None,
                "inference": False,
                "hooks": 0,
                "tangent": None,
            }
        ],
        "mode_before": {"grad_enabled": True, "inference_mode": False},
        "mode_after": {"grad_enabled": False, "inference_mode": False},
        "graph": None,
    }
    assert doc["files"][1]["error"] == "bad.txt:2: lacks blank after >>>"
    # The schema in the module's docstring names every top-level key.
    assert all(f'"{key}"' in json_out.__doc__ for key in doc)


def test_junit_has_a_testcase_per_example_and_stays_valid_xml() -> None:
    root = ET.fromstring(junit.render(sample()))
    assert root.tag == "testsuites" and root.get("failures") == "1" and root.get("skipped") == "1"
    suite, bad = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("line") for c in cases] == ["3", "4", "9"]
    assert cases[1].find("failure").get("message") == "RuntimeError: no"
    assert "Expected:" in cases[1].find("failure").text
    assert "x (grad): [2] float32" in cases[1].find("system-out").text
    assert cases[2].find("skipped") is not None and "\\x00" in cases[2].get("name")  # NUL cannot be in XML
    assert bad.find("testcase/error").get("message") == "bad.txt:2: lacks blank after >>>"


def test_plain_text_shows_failures_with_report_and_summary() -> None:
    import io

    out = io.StringIO()
    plain.render(sample(), out)
    text = out.getvalue()
    assert "FAILED a.txt:4\n>>> x.sum().backward()\n  Expected:\n      3\n" in text
    assert "  warning: UserWarning: w\n  x (grad): [2] float32 requires_grad=True is_leaf=True grad=[2., 2.]\n" in text
    assert "  grad mode: grad enabled -> grad disabled\n" in text
    assert text.splitlines()[-1] == "1 passed, 1 failed, 1 skipped (1 input error; 2 files in 1.50s on gradsh.torch)"


def test_rich_terminal_renderer_shows_the_same_content() -> None:
    import io

    from rich.console import Console

    from gradsh.report import terminal

    out = io.StringIO()
    terminal.render(sample(), Console(file=out, width=100, force_terminal=True, color_system="standard"))
    text = out.getvalue()
    assert "\x1b[" in text and "FAILED" in text and "x (grad)" in text and "grad enabled -> grad disabled" in text


def test_progress_bar_advances_once_per_file_and_is_a_no_op_when_off() -> None:
    from gradsh.report import progress

    with progress.bar(3, enabled=False) as advance:
        advance(None)
    with progress.bar(2, enabled=True) as advance:  # rich on stderr; transient, so nothing is left behind
        advance(None)
        advance(None)


def _long_list_result(tmp_path) -> RunResult:
    from gradsh.transcript.pool import run_files
    from gradsh.transcript.runner import Options

    path = tmp_path / "ts.txt"
    path.write_text(
        ">>> import torch\n"
        ">>> ts = [torch.randn(2, requires_grad=True) for _ in range(30)]\n"
        ">>> us = [torch.ones(2, requires_grad=True) for _ in range(8)] + [torch.ones(3, dtype=torch.float64)]\n"
        ">>> few = (torch.ones(1), torch.zeros(1))\n"
        ">>> with torch.inference_mode():\n"
        "...     q = torch.ones(2)\n"
    )
    (outcome,) = run_files([str(path)], Options())
    return RunResult([outcome.result], "gradsh.torch", "run")


def test_a_long_list_is_one_summary_line_and_verbose_shows_every_tensor(tmp_path) -> None:
    import io

    result = _long_list_result(tmp_path)
    out = io.StringIO()
    plain.render(result, out)
    shown = out.getvalue()
    assert "  ts (new): list of 30 tensors, all [2] float32 requires_grad=True is_leaf=True\n" in shown
    assert "ts[0]" not in shown
    # what they share, and field by field how many differ from the most common value
    assert (
        "  us (new): list of 9 tensors, all is_leaf=True; [2] but 1 differs; float32 but 1 differs; "
        "requires_grad=True but 1 differs\n"
    ) in shown
    assert "  few[1] (new): [1] float32" in shown  # five or fewer: a line each
    assert "  q (new): [2] float32 requires_grad=False is_leaf=True is_inference=True\n" in shown
    out = io.StringIO()
    plain.render(result, out, verbose=True)
    verbose = out.getvalue()
    assert all(f"  ts[{i}] (new): [2] float32 requires_grad=True is_leaf=True\n" in verbose for i in range(30))
    assert "list of 30 tensors" not in verbose
    # JSON keeps every tensor, with its container and whether it is an inference tensor
    doc = json.loads(json_out.render(result))
    tensors = [t for e in doc["files"][0]["examples"] for t in e["report"]["tensors"]]
    assert [t["name"] for t in tensors if t["name"].startswith("ts[")] == [f"ts[{i}]" for i in range(30)]
    assert {t["holder"] for t in tensors if t["name"].startswith("ts[")} == {"list"}
    assert [t["name"] for t in tensors if t["inference"]] == ["q"]


def test_the_rich_renderer_summarises_too(tmp_path) -> None:
    import io

    from rich.console import Console

    from gradsh.report import terminal

    result = _long_list_result(tmp_path)
    out = io.StringIO()
    terminal.render(result, Console(file=out, width=300, force_terminal=False))
    assert "ts (new): list of 30 tensors, all [2] float32" in out.getvalue() and "ts[3]" not in out.getvalue()
    out = io.StringIO()
    terminal.render(result, Console(file=out, width=300, force_terminal=False), verbose=True)
    assert "ts[3] (new)" in out.getvalue()
