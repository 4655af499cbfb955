"""Shared helpers for the transcript tests: run a text as a file, read verdicts."""

from pathlib import Path

from gradsh.transcript.runner import FileOutcome, Options, run_file


def run_text(tmp_path: Path, text: str, name: str = "t.txt", **options: object) -> FileOutcome:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return run_file(str(path), Options(**options))


def verdicts(tmp_path: Path, text: str, name: str = "t.txt", **options: object) -> list[str]:
    outcome = run_text(tmp_path, text, name, **options)
    assert outcome.result.error is None, outcome.result.error
    return [e.verdict for e in outcome.result.examples]
