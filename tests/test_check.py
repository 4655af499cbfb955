"""Verdicts: doctest's matching rules and directives, and gradsh's opt-in extras."""

import doctest

import pytest
from transcript_helpers import run_text, verdicts

P, F, S = "passed", "failed", "skipped"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (">>> print('a  b')\na  b\n>>> print('a b')\na  b\n", [P, F]),
        (
            (
                ">>> print(list(range(20)))  # doctest: +ELLIPSIS\n[0, 1, ..., 19]\n"
                ">>> print(list(range(20)))\n[0, 1, ..., 19]\n"
            ),
            [P, F],
        ),
        (">>> print('a\\n b')  # doctest: +NORMALIZE_WHITESPACE\na b\n", [P]),
        (">>> print('a\\n\\nb')\na\n<BLANKLINE>\nb\n", [P]),
        (">>> 1  # doctest: +SKIP\n2\n>>> 2  # xdoctest: +SKIP\n3\n", [S, S]),
        (">>> True\n1\n", [P]),  # doctest accepts True for 1 unless DONT_ACCEPT_TRUE_FOR_1
        (">>> True  # doctest: +DONT_ACCEPT_TRUE_FOR_1\n1\n", [F]),
    ],
)
def test_doctest_rules(tmp_path, text: str, expected: list[str]) -> None:
    assert verdicts(tmp_path, text) == expected


def test_expected_traceback_matches_on_its_last_line(tmp_path) -> None:
    text = (
        ">>> raise ValueError('bad')\nTraceback (most recent call last):\n"
        '  File "x", line 1\n    ...\nValueError: bad\n'
        ">>> raise ValueError('bad')\nTraceback (most recent call last):\nValueError: other\n"
        ">>> raise ValueError('bad')  # doctest: +IGNORE_EXCEPTION_DETAIL\n"
        "Traceback (most recent call last):\nValueError: other\n"
        ">>> print('out'); raise KeyError(1)\nTraceback (most recent call last):\nKeyError: 1\n"
        ">>> raise KeyError(1)\n"
        ">>> 1\nTraceback (most recent call last):\nKeyError: 1\n"
    )
    assert verdicts(tmp_path, text) == [P, F, P, P, F, F]


def test_every_failure_is_reported_not_only_the_first(tmp_path) -> None:
    outcome = run_text(tmp_path, ">>> 1\n2\n>>> 2\n2\n>>> 3\n4\n")
    assert [(e.line, e.verdict) for e in outcome.result.examples] == [(1, F), (3, P), (5, F)]
    assert "Expected:\n    4\nGot:\n    3\n" in outcome.result.examples[2].diff


def test_long_outputs_get_a_unified_diff(tmp_path) -> None:
    outcome = run_text(tmp_path, ">>> print('a\\nb\\nc\\nd')\na\nb\nX\nd\n")
    assert "unified diff" in outcome.result.examples[0].diff
    assert "    -X\n    +c\n" in outcome.result.examples[0].diff


def test_syntax_error_is_a_failing_example_as_in_doctest(tmp_path) -> None:
    outcome = run_text(
        tmp_path, ">>> def (:\n>>> 1 +\nTraceback (most recent call last):\nSyntaxError: invalid syntax\n"
    )
    first, second = outcome.result.examples
    assert first.verdict == F and first.exception.type == "SyntaxError"
    assert second.verdict == P


def test_option_flags_for_every_example(tmp_path) -> None:
    text = ">>> print(list(range(9)))\n[0, ..., 8]\n"
    assert verdicts(tmp_path, text) == [F]
    assert verdicts(tmp_path, text, optionflags=doctest.ELLIPSIS) == [P]


def test_tolerance_is_opt_in_and_never_matches_zero_against_one(tmp_path) -> None:
    from gradsh.transcript.tolerance import Tolerance

    close = ">>> import torch\n>>> torch.tensor([1.00001])\ntensor([1.0000])\n"
    directive = ">>> import torch\n>>> torch.tensor([1.00001])  # gradsh: +TOLERANCE\ntensor([1.0000])\n"
    far = ">>> import torch\n>>> torch.tensor([0.])  # gradsh: +TOLERANCE\ntensor([1.])\n"
    assert verdicts(tmp_path, close)[1] == P  # printed with 4 decimals: exact already
    assert verdicts(tmp_path, ">>> 1.00001\n1.0\n") == [F]
    assert verdicts(tmp_path, ">>> 1.00001  # gradsh: +TOLERANCE\n1.0\n") == [P]
    assert verdicts(tmp_path, ">>> 1.00001\n1.0\n", tolerance=Tolerance()) == [P]
    assert verdicts(tmp_path, directive)[1] == P
    assert verdicts(tmp_path, far)[1] == F
    assert verdicts(tmp_path, ">>> [0.]\n[1.]\n", tolerance=Tolerance()) == [F]
    assert verdicts(tmp_path, ">>> 'MulBackward0'  # gradsh: +TOLERANCE\n'MulBackward1'\n") == [F]


@pytest.mark.parametrize(
    ("want", "got", "ok"),
    [
        ("tensor([0.])", "tensor([1.])", False),
        ("tensor([1., 2.])", "tensor([1.0000, 2.0000])", True),
        ("tensor([1., 2.])", "tensor([1.])", False),
        ("tensor([nan])", "tensor([nan])", True),
        ("tensor([inf])", "tensor([-inf])", False),
        ("x0 = 1", "x1 = 1", False),
        ("no numbers", "no numbers ", False),
    ],
)
def test_tolerance_matcher(want: str, got: str, ok: bool) -> None:
    from gradsh.transcript.tolerance import Tolerance, matches

    assert matches(want, got, Tolerance()) is ok


def test_timeout_fails_the_example_and_the_file_goes_on(tmp_path) -> None:
    text = ">>> while True:\n...     pass\n>>> 1\n1\n"
    outcome = run_text(tmp_path, text, timeout=0.3)
    slow, fast = outcome.result.examples
    assert slow.verdict == F and slow.reason == "timed out"
    assert "ran longer than 0.3 s (--timeout)" in slow.got
    assert fast.verdict == P


def test_warnings_go_to_the_report_not_the_output(tmp_path) -> None:
    outcome = run_text(tmp_path, ">>> import warnings\n>>> warnings.warn('careful'); 1\n1\n")
    example = outcome.result.examples[1]
    assert example.verdict == P and example.warnings == ["UserWarning: careful"]
