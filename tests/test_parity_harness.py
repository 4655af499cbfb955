"""The parity harness's own parts that need no torch: the must-pass list and how a sample's end is judged."""

from __future__ import annotations

from pathlib import Path

import pytest
from parity.entries import Entry, ListError, add_to_list, parse_line, read_list
from parity.outcome import Sample, raised, verdict


def test_the_checked_in_list_parses_and_names_every_kind() -> None:
    kinds = {entry.kind for _, entry in read_list()}
    assert kinds == {"opinfo", "moduleinfo", "optiminfo", "optimerrors", "lrscheduler"}


def test_a_line_names_kind_dtype_name_and_an_optional_eval() -> None:
    assert parse_line("opinfo float32 add  # a comment", "x:1") == Entry("opinfo", "float32", "add")
    assert parse_line("moduleinfo float64 nn.BatchNorm1d eval", "x:2") == Entry(
        "moduleinfo", "float64", "nn.BatchNorm1d", "eval"
    )
    assert parse_line("   # only a comment", "x:3") is None
    assert parse_line("opinfo complex64 mul", "x:4") == Entry("opinfo", "complex64", "mul")
    assert parse_line("opinfo complex128 linalg.svd", "x:5") == Entry("opinfo", "complex128", "linalg.svd")
    assert str(Entry("moduleinfo", "float64", "nn.GRU", "eval")) == "moduleinfo float64 nn.GRU eval"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("opinfo float32", "must_pass.txt:7: expected `KIND DTYPE NAME [eval]`"),
        ("opinf float32 add", "must_pass.txt:7: unknown kind 'opinf'"),
        ("opinfo float32 add eval", "must_pass.txt:7: only a moduleinfo line may end in `eval`"),
        ("opinfo complex46 add", "must_pass.txt:7: unknown dtype 'complex46'"),
    ],
)
def test_a_bad_line_is_named_by_file_and_line(line: str, message: str) -> None:
    with pytest.raises(ListError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_line(line, "must_pass.txt:7")


def test_an_entry_listed_twice_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "must_pass.txt"
    path.write_text("# header\nopinfo float32 add\n\nopinfo float32  add\n")
    with pytest.raises(ListError, match="must_pass.txt:4: opinfo float32 add is listed already at must_pass.txt:2"):
        read_list(path)


def test_adding_keeps_the_header_and_listed_lines_and_sorts(tmp_path: Path) -> None:
    path = tmp_path / "must_pass.txt"
    path.write_text("# header\n\nopinfo float32 sub  # flaky before #12\nmoduleinfo float32 nn.ReLU\n")
    add_to_list(path, [Entry("opinfo", "float32", "add"), Entry("moduleinfo", "float32", "nn.ReLU")])
    assert path.read_text() == (
        "# header\n\nmoduleinfo float32 nn.ReLU\nopinfo float32 add\nopinfo float32 sub  # flaky before #12\n"
    )


def test_errors_match_on_type_and_first_line_only() -> None:
    assert raised("", ValueError("bad\nmore"), ValueError("bad\nother")) == Sample("PASS", "same error")
    assert raised("", ValueError("bad"), ValueError("worse")).status == "FAIL"
    assert raised("", ValueError("bad"), TypeError("bad")).status == "FAIL"
    assert raised("", ValueError("bad"), None).status == "FAIL"
    assert raised("init: ", None, RuntimeError("boom")) == Sample("FAIL", "init: raised RuntimeError: boom")
    missing = AttributeError("gradsh does not implement torch.erfinv; run the transcript with --backend torch")
    assert raised("", None, missing).status == "MISSING"
    assert raised("", None, None) is None


def test_an_entry_passes_only_when_every_sample_that_ran_matched() -> None:
    ok, bad, skip = Sample("PASS", ""), Sample("FAIL", "out: differs"), Sample("SKIPPED", "sparse")
    assert verdict([ok, skip, ok]).status == "PASS"
    assert verdict([ok, bad]).status == "PARTIAL"
    assert verdict([bad, skip]).status == "FAIL"
    assert verdict([skip]).status == "NO-SAMPLES"
    assert verdict([]).status == "NO-SAMPLES"
    assert verdict([ok, bad]).reason == "#1 out: differs"
