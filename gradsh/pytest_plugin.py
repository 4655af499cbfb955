"""pytest plugin: transcripts as test items, one per example, beside ordinary tests.

Collects nothing unless asked: list globs in the ini option `gradsh_transcripts` or pass
`--gradsh-transcripts GLOB` (repeatable). Each file runs once per pytest process, in a forked
child (so `import torch` rebinding and grad-mode state never touch the test process), and its
examples report from that run; this holds under pytest-xdist too (`-n 4`, best with
`--dist loadfile`). Loaded in every pytest run where gradsh is installed, so it imports only
pytest and the standard library until a transcript is collected.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradsh", "gradsh transcripts")
    group.addoption(
        "--gradsh-transcripts",
        action="append",
        default=[],
        metavar="GLOB",
        help="collect transcript files matching GLOB (e.g. 'docs/*.md') and check them with gradsh",
    )
    group.addoption(
        "--gradsh-backend",
        default=None,
        metavar="NAME",
        help="what `import torch` gives in transcripts: gradsh (default) or torch",
    )
    group.addoption(
        "--gradsh-shard",
        default=None,
        metavar="K/N",
        help="run only the transcript files of shard K of N (balanced by examples, the same on every machine)",
    )
    parser.addini("gradsh_transcripts", "globs of transcript files for gradsh to check", type="linelist", default=[])
    parser.addini("gradsh_backend", "backend for transcripts: gradsh (default) or torch", default="gradsh")
    parser.addini("gradsh_timeout", "seconds per transcript example (default 60; 0: no limit)", default="60")


def _globs(config: pytest.Config) -> list[str]:
    return list(config.getoption("gradsh_transcripts")) + list(config.getini("gradsh_transcripts"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    globs = _globs(parent.config)
    if not globs:
        return None
    rel = (
        file_path.relative_to(parent.config.rootpath).as_posix()
        if file_path.is_relative_to(parent.config.rootpath)
        else file_path.as_posix()
    )
    if any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(file_path.name, g) for g in globs):
        return TranscriptFile.from_parent(parent, path=file_path)
    return None


def pytest_configure(config: pytest.Config) -> None:
    text = config.getoption("gradsh_shard", None)
    if text:
        from gradsh.transcript.shard import ShardError, parse

        try:
            config.stash[_SHARD] = parse(text)
        except ShardError as exc:
            raise pytest.UsageError(f"--gradsh-shard: {exc}") from None


_SHARD = pytest.StashKey[tuple[int, int]]()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """--gradsh-shard K/N: keep the examples of shard K's files (balanced by example count, the same split on
    every machine and worker); ordinary tests are not sharded."""
    shard = config.stash.get(_SHARD, None)
    if shard is None:
        return
    from gradsh.transcript.shard import assign, stable_key

    per_file: dict[str, int] = {}
    for item in items:
        if isinstance(item, TranscriptItem):
            key = stable_key(item.path, config.rootpath)
            per_file[key] = per_file.get(key, 0) + 1
    mine = set(assign(list(per_file), per_file.__getitem__, shard[1])[shard[0] - 1])
    kept, dropped = [], []
    for item in items:
        ours = not isinstance(item, TranscriptItem) or stable_key(item.path, config.rootpath) in mine
        (kept if ours else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


class TranscriptFile(pytest.File):
    """A transcript file; its examples are the items."""

    _outcome: Any = None

    def collect(self) -> Any:
        from gradsh.transcript.check import is_skipped
        from gradsh.transcript.parse import parse_file
        from gradsh.transcript.source import InputError

        try:
            transcript = parse_file(self.path)
        except InputError as exc:
            raise self.CollectError(str(exc)) from None
        for example in transcript.examples:
            # A docstring's example is named by its owner, as doctest names it: "pkg.mod.func line 12".
            name = f"{example.name} line {example.line}" if example.name else f"line {example.line}"
            item = TranscriptItem.from_parent(self, name=name, line=example.line)
            if is_skipped(example, 0):
                item.add_marker(pytest.mark.skip(reason="skipped by a directive in the transcript"))
            yield item

    def results(self) -> Any:
        """The file's results, run once per process in a forked child."""
        if self._outcome is None:
            from gradsh.backends import module_for
            from gradsh.transcript.pool import run_isolated
            from gradsh.transcript.runner import Options

            config = self.config
            backend = config.getoption("gradsh_backend") or config.getini("gradsh_backend")
            timeout = config.getini("gradsh_timeout")
            options = Options(backend=module_for(backend), timeout=float(timeout or 0) or None)
            self._outcome = run_isolated(str(self.path), options).result
        return self._outcome


class TranscriptFailure(Exception):
    """An example whose output differs (or that raised) — shown with its diff and grad report."""


class TranscriptItem(pytest.Item):
    def __init__(self, *, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.line = line

    def runtest(self) -> None:
        from gradsh.report.model import FAILED, NOT_RUN, SKIPPED

        result = self.parent.results()
        if result.error:
            raise TranscriptFailure(result.error)
        example = next((e for e in result.examples if e.line == self.line), None)
        crashed = next((e for e in result.examples if e.line == 0), None)
        if crashed is not None:
            raise TranscriptFailure(crashed.reason)
        if example is not None and example.verdict == NOT_RUN:
            pytest.skip(example.reason)
        if example is None or example.verdict == SKIPPED:
            pytest.skip("skipped by a directive in the transcript")
        if example.verdict == FAILED:
            raise TranscriptFailure(example)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if not isinstance(excinfo.value, TranscriptFailure):
            return super().repr_failure(excinfo)
        from gradsh.report import text

        (what,) = excinfo.value.args
        if isinstance(what, str):
            return text.visible(what)
        lines = [f"{what.path}:{what.line}", *text.prompted(what.source)]
        if what.reason:
            lines.append(f"({what.reason})")
        lines.append(what.diff.rstrip("\n"))
        lines += [f"warning: {w}" for w in what.warnings] + text.report_lines(what.report)
        return text.visible("\n".join(lines))  # a transcript's output never acts on the terminal

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"{self.path.name}:{self.line}"
