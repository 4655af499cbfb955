"""The pytest plugin: opt-in collection of transcripts, one item per example, xdist-safe."""

import pytest

pytest_plugins = ["pytester"]

GOOD = ">>> import torch\n>>> torch.ones(2, requires_grad=True).sum()\ntensor(2., grad_fn=<SumBackward0>)\n"
BAD = "Prose.\n\n>>> 1 + 1\n3\n>>> 2  # doctest: +SKIP\n5\n"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".txt", good=GOOD, bad=BAD)
    pytester.makefile(".md", readme=f"# Doc\n\n```pycon\n{GOOD}```\n")
    pytester.makepyfile(test_plain="def test_ordinary():\n    assert True\n")
    return pytester


def test_collects_nothing_unless_asked(project: pytest.Pytester) -> None:
    result = project.runpytest()  # the plugin is loaded (entry point) but collects no .txt or .md
    result.assert_outcomes(passed=1)


def test_flag_with_globs_collects_an_item_per_example(project: pytest.Pytester) -> None:
    result = project.runpytest("--gradsh-transcripts", "*.txt", "--gradsh-transcripts", "*.md", "-v")
    result.assert_outcomes(passed=5, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*bad.txt::line 3 FAILED*", "*good.txt::line 2 PASSED*", "*readme.md::line 5 PASSED*"])
    result.stdout.fnmatch_lines(["*bad.txt:3", ">>> 1 + 1", "Expected:", "    3", "Got:", "    2"])


def test_ini_option(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\ngradsh_transcripts =\n    good.txt\n")
    project.runpytest().assert_outcomes(passed=3)


def test_runs_under_xdist(project: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    result = project.runpytest("--gradsh-transcripts", "*.txt", "-n", "2")
    result.assert_outcomes(passed=3, failed=1, skipped=1)


def test_transcripts_do_not_rebind_torch_in_the_test_process(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_after="import sys\n\ndef test_z():\n    torch = sys.modules.get('torch')\n"
        "    assert torch is None or torch.__name__ == 'torch'\n"
    )
    result = project.runpytest_subprocess("--gradsh-transcripts", "good.txt")  # a clean process to look at
    result.assert_outcomes(passed=4)


def test_unusable_transcript_is_a_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".txt", broken=">>>1\n")
    result = pytester.runpytest("--gradsh-transcripts", "*.txt")
    result.stdout.fnmatch_lines(["*broken.txt:1: lacks blank after >>>*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_an_example_that_ends_the_process_fails_and_the_rest_is_skipped(pytester: pytest.Pytester) -> None:
    pytester.makefile(".txt", crash=">>> 1\n1\n>>> import os; os._exit(5)\n>>> 2\n2\n")
    result = pytester.runpytest("--gradsh-transcripts", "crash.txt", "-rs")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*not run: the file's process stopped at line 3*"])
