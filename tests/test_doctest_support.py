"""The doctest harness itself, on a tiny fake backend, so its verdicts can be trusted before the engine exists."""

from pathlib import Path

from gradsh.doctest_support import collect_examples, run_file_in_subprocess, short_traceback

HARNESS = Path(__file__).parent / "harness"


def run(name: str, **kwargs: float) -> dict:
    result = run_file_in_subprocess(HARNESS / name, backend="fake_torch", extra_paths=[HARNESS], **kwargs)
    assert result.error is None, result.error
    return result.outcomes


def test_collects_examples_with_their_first_source_line() -> None:
    assert [e.lineno + 1 for e in collect_examples(HARNESS / "failing.txt")] == [3, 4, 6, 7, 9, 11]


def test_passing_file_binds_torch_and_its_submodules() -> None:
    outcomes = run("passing.txt")
    assert sorted(outcomes) == [3, 4, 6, 9, 10, 12, 13, 15]
    assert all(o.passed for o in outcomes.values()), [o for o in outcomes.values() if not o.passed]


def test_failures_are_recorded_per_example() -> None:
    outcomes = run("failing.txt")
    assert outcomes[3].passed
    assert not outcomes[4].passed and outcomes[4].got == "True\n" and outcomes[4].want == "False\n"
    assert not outcomes[6].passed
    assert outcomes[6].got == "Traceback (most recent call last):\n    ...\nRuntimeError: boom\n"
    assert outcomes[7].passed and outcomes[7].warnings == ["UserWarning: careful"]
    assert 9 not in outcomes  # +SKIP: doctest does not run it
    assert outcomes[11].passed


def test_files_do_not_share_state() -> None:
    # failing.txt switches grad mode off at its end; a later file still starts with it on.
    run("failing.txt")
    assert run("passing.txt")[4].passed


def test_a_hanging_example_fails_and_the_file_goes_on() -> None:
    outcomes = run("hanging.txt", example_timeout=1.0)
    assert not outcomes[2].passed and "TimeoutError" in outcomes[2].got
    assert outcomes[3].passed


def test_a_backend_that_cannot_be_imported_is_an_error_not_a_pass() -> None:
    result = run_file_in_subprocess(HARNESS / "passing.txt", backend="no_such_backend_module")
    assert result.outcomes == {} and "no_such_backend_module" in result.error


def test_short_traceback_keeps_output_and_the_exception_lines() -> None:
    got = 'before\nTraceback (most recent call last):\n  File "x.py", line 1, in f\n    g()\nValueError: a\nb\n'
    assert short_traceback(got) == "before\nTraceback (most recent call last):\n    ...\nValueError: a\nb\n"
