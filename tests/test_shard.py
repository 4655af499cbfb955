"""--shard K/N (check) and --gradsh-shard K/N (pytest): the N shards together check every example exactly once,
the same split on every machine and for any order of the paths, balanced by example count."""

import json
import re
import shlex
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gradsh.transcript.shard import ShardError, assign, parse
from tests.test_cli_run_check import gradsh

pytest_plugins = ["pytester"]

# Seven files with 1 to 7 examples; every third example fails, so failures are split too.
SIZES = {"a.txt": 3, "b.txt": 7, "c.md": 1, "docs/d.txt": 5, "docs/e.txt": 2, "docs/deep/f.rst": 4, "g.txt": 6}


def transcript(size: int, markdown: bool = False) -> str:
    body = "".join(f">>> {i} + 1\n{i + 1 if i % 3 else 0}\n" for i in range(size))
    return f"```pycon\n{body}```\n" if markdown else body


def make_suite(root: Path) -> list[str]:
    for name, size in SIZES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(transcript(size, name.endswith(".md")))
    return sorted(SIZES)


def examples_of(document: dict) -> list[tuple[str, int, str]]:
    return [(f["path"], ex["line"], ex["verdict"]) for f in document["files"] for ex in f["examples"]]


def test_parse_takes_k_of_n() -> None:
    assert parse("2/4") == (2, 4)
    for bad in ("0/3", "4/3", "1/0", "x/2", "2", "1/2/3"):
        with pytest.raises(ShardError):
            parse(bad)


def test_assign_ignores_order_and_balances_by_examples() -> None:
    keys = list(SIZES)
    split = assign(keys, SIZES.__getitem__, 3)
    assert assign(list(reversed(keys)), SIZES.__getitem__, 3) == split
    loads = sorted(sum(SIZES[k] for k in shard) for shard in split)
    assert loads == [9, 9, 10]  # 28 examples over 3 shards


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_shards_together_check_every_example_exactly_once(tmp_path: Path, n: int) -> None:
    make_suite(tmp_path)
    whole = gradsh("check", "--format", "json", ".", cwd=tmp_path)
    everything = examples_of(json.loads(whole.stdout))
    assert len(everything) == sum(SIZES.values())
    seen = []
    for k in range(1, n + 1):
        part = gradsh("check", "--format", "json", "--shard", f"{k}/{n}", ".", cwd=tmp_path)
        document = json.loads(part.stdout)
        assert part.returncode == (1 if document["totals"]["failed"] else 0)
        seen += examples_of(document)
    assert sorted(seen) == sorted(everything)  # each once: no duplicates, none missing


def test_the_split_does_not_depend_on_the_order_of_paths(tmp_path: Path) -> None:
    names = make_suite(tmp_path)
    forward = gradsh("check", "--format", "json", "--shard", "2/3", *names, cwd=tmp_path)
    backward = gradsh("check", "--format", "json", "--shard=2/3", *reversed(names), cwd=tmp_path)
    assert sorted(examples_of(json.loads(forward.stdout))) == sorted(examples_of(json.loads(backward.stdout)))


def suites(path: Path) -> set[str]:
    """The <testsuite> elements of a JUnit file, without times and timestamps."""
    found = set()
    for suite in ET.parse(path).getroot().iter("testsuite"):
        for element in suite.iter():
            element.attrib.pop("time", None)
            element.attrib.pop("timestamp", None)
        suite.tail = None  # the whitespace after it depends on whether it is the file's last
        found.add(ET.tostring(suite, encoding="unicode"))
    return found


def test_union_of_shard_junit_files_is_the_unsharded_one(tmp_path: Path) -> None:
    make_suite(tmp_path)
    gradsh("check", "--junit-xml", "all.xml", ".", cwd=tmp_path)
    union: set[str] = set()
    for k in (1, 2, 3):
        gradsh("check", "--junit-xml", f"part{k}.xml", "--shard", f"{k}/3", ".", cwd=tmp_path)
        part = suites(tmp_path / f"part{k}.xml")
        assert not part & union
        union |= part
    assert union == suites(tmp_path / "all.xml")


def test_a_shard_with_no_files_passes(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text(">>> 1\n1\n")
    (tmp_path / "two.txt").write_text(">>> 2\n2\n")
    empty = gradsh("check", "--shard", "3/3", "one.txt", "two.txt", cwd=tmp_path)
    assert empty.returncode == 0, empty.stderr
    assert gradsh("check", "--shard", "1/3", "one.txt", "two.txt", cwd=tmp_path).returncode == 0


def collected(pytester: pytest.Pytester, *args: str) -> list[str]:
    result = pytester.runpytest(
        "--collect-only", "-q", "--gradsh-transcripts", "*.txt", "-p", "no:cacheprovider", *args
    )
    return [line for line in result.outlines if "::" in line]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_pytest_plugin_shards_together_collect_every_example_once(pytester: pytest.Pytester, n: int) -> None:
    for name, size in SIZES.items():
        if name.endswith(".txt"):
            pytester.path.joinpath(name).parent.mkdir(parents=True, exist_ok=True)
            pytester.path.joinpath(name).write_text(transcript(size))
    everything = collected(pytester)
    assert len(everything) == sum(s for name, s in SIZES.items() if name.endswith(".txt"))
    parts = [collected(pytester, "--gradsh-shard", f"{k}/{n}") for k in range(1, n + 1)]
    assert sorted(name for part in parts for name in part) == sorted(everything)


def test_pytest_plugin_refuses_a_bad_shard(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--gradsh-shard", "3/2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gradsh-shard*not a shard*"])


def workers(pytester: pytest.Pytester, *args: str) -> dict[str, set[str]]:
    """file -> the xdist workers that ran its examples."""
    result = pytester.runpytest_subprocess("--gradsh-transcripts", "*.txt", "-v", "-p", "no:cacheprovider", *args)
    ran: dict[str, set[str]] = {}
    for line in result.outlines:
        m = re.match(r"\[(gw\d+)\] .*(?:PASSED|FAILED) (\S+\.txt)::", line)
        if m:
            ran.setdefault(m.group(2), set()).add(m.group(1))
    return ran


def test_pytest_xdist_spreads_a_suite_over_two_workers_and_loadfile_keeps_files_whole(
    pytester: pytest.Pytester,
) -> None:
    pytest.importorskip("xdist")
    for i in range(4):
        pytester.path.joinpath(f"doc{i}.txt").write_text(transcript(12))
    spread = workers(pytester, "-n", "2")
    assert set().union(*spread.values()) == {"gw0", "gw1"}  # the suite's examples ran on both workers
    assert sorted(spread) == [f"doc{i}.txt" for i in range(4)]
    whole = workers(pytester, "-n", "2", "--dist", "loadfile")
    assert sorted(whole) == [f"doc{i}.txt" for i in range(4)]
    assert all(len(ran) == 1 for ran in whole.values())  # each file in one worker
    assert set().union(*whole.values()) == {"gw0", "gw1"}


def test_the_readme_ci_matrix_merges_shards_into_the_unsharded_junit(tmp_path: Path) -> None:
    """The README's GitHub Actions matrix: its check command per shard, then its merge step."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    workflow = re.search(r"```yaml\n(jobs:.*?)```", readme, re.DOTALL).group(1)
    command = re.search(r"- run: (gradsh check --shard .*)", workflow).group(1)
    shards = re.search(r"shard: \[([\d, ]+)\]", workflow).group(1).split(", ")
    merge = textwrap.dedent(re.search(r"<<'EOF'\n(.*?)\n\s*EOF\n", workflow, re.DOTALL).group(1))
    make_suite(tmp_path / "docs")
    gradsh("check", "--junit-xml", "all.xml", "docs", cwd=tmp_path)
    for shard in shards:
        argv = shlex.split(command.replace("${{ matrix.shard }}", shard))
        gradsh(*argv[1:], cwd=tmp_path)
    subprocess.run([sys.executable, "-c", merge], check=True, cwd=tmp_path)
    assert suites(tmp_path / "junit.xml") == suites(tmp_path / "all.xml")
