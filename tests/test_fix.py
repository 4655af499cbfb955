"""--fix: expected outputs rewritten in place, atomically, every other byte kept."""

import os

import pytest

from gradsh.transcript.replace import replace_file
from gradsh.transcript.runner import Options, run_file


def fix(tmp_path, data: bytes, name: str = "t.txt") -> tuple[bytes, object]:
    path = tmp_path / name
    path.write_bytes(data)
    outcome = run_file(str(path), Options(fix=True))
    if outcome.new_bytes is not None:
        replace_file(path, outcome.old_bytes, outcome.new_bytes)
    return path.read_bytes(), outcome.result


def recheck(tmp_path, name: str = "t.txt") -> list[str]:
    return [e.verdict for e in run_file(str(tmp_path / name), Options()).result.examples]


def test_only_failing_outputs_change_and_prose_between_stays(tmp_path) -> None:
    data = (
        b"Intro prose.\n\n>>> 1 + 1\n3\n\nMiddle prose, untouched.\n\n>>> print('a\\n\\nb')\nwrong\n>>> 5\n5\n\nEnd.\n"
    )
    new, result = fix(tmp_path, data)
    assert new == (
        b"Intro prose.\n\n>>> 1 + 1\n2\n\nMiddle prose, untouched.\n\n"
        b">>> print('a\\n\\nb')\na\n<BLANKLINE>\nb\n>>> 5\n5\n\nEnd.\n"
    )
    assert result.fixed == 2 and all(e.fixed for e in result.examples if e.verdict == "failed")
    assert recheck(tmp_path) == ["passed"] * 3


def test_crlf_file_stays_crlf(tmp_path) -> None:
    data = b"Prose\r\n\r\n>>> print('x\\ny')\r\n>>> 2\r\n3\r\n\r\nEnd\r\n"
    new, _ = fix(tmp_path, data)
    assert new == b"Prose\r\n\r\n>>> print('x\\ny')\r\nx\r\ny\r\n>>> 2\r\n2\r\n\r\nEnd\r\n"
    assert recheck(tmp_path) == ["passed", "passed"]


def test_missing_output_is_inserted_and_extra_output_removed(tmp_path) -> None:
    new, _ = fix(tmp_path, b">>> x = 1\nstale\n>>> x\n>>> 7")
    assert new == b">>> x = 1\n>>> x\n1\n>>> 7\n7"
    assert recheck(tmp_path) == ["passed"] * 3


def test_exceptions_are_written_as_doctest_tracebacks(tmp_path) -> None:
    new, _ = fix(tmp_path, b">>> {}['k']\n1\n")
    assert new == b">>> {}['k']\nTraceback (most recent call last):\n    ...\nKeyError: 'k'\n"


def test_markdown_fences_and_indent_stay(tmp_path) -> None:
    data = "# Doc ✓\n\n- item:\n\n  ```pycon\n  >>> 'é' * 2\n  'x'\n  ```\n\n```python\n>>> 1\n```\n".encode()
    new, _ = fix(tmp_path, data, "d.md")
    assert (
        new == "# Doc ✓\n\n- item:\n\n  ```pycon\n  >>> 'é' * 2\n  'éé'\n  ```\n\n```python\n>>> 1\n1\n```\n".encode()
    )
    assert recheck(tmp_path, "d.md") == ["passed", "passed"]


def test_rest_and_ipython(tmp_path) -> None:
    new, _ = fix(tmp_path, b"Block::\n\n    >>> 2 * 3\n    5\n\nText.\n", "d.rst")
    assert new == b"Block::\n\n    >>> 2 * 3\n    6\n\nText.\n"
    new, _ = fix(tmp_path, b"In [1]: print('p'); 40 + 2\nOut[1]: 0\n\nIn [2]: [1]\n", "s.txt")
    assert new == b"In [1]: print('p'); 40 + 2\np\nOut[1]: 42\n\nIn [2]: [1]\nOut[2]: [1]\n"
    assert recheck(tmp_path, "s.txt") == ["passed", "passed"]


def test_docstring_keeps_its_closing_quotes(tmp_path) -> None:
    data = b'def f():\n    """Doc.\n\n    >>> 1 + 2\n    4"""\n'
    new, _ = fix(tmp_path, data, "m.py")
    assert new == b'def f():\n    """Doc.\n\n    >>> 1 + 2\n    3"""\n'


def test_bom_and_latin1_python_files_keep_their_encoding(tmp_path) -> None:
    new, _ = fix(tmp_path, b"\xef\xbb\xbfT\xc3\xa9xt\n>>> 1\n2\n")
    assert new == b"\xef\xbb\xbfT\xc3\xa9xt\n>>> 1\n1\n"
    data = b"# -*- coding: latin-1 -*-\ndef f():\n    '''Caf\xe9.\n\n    >>> 'ok'\n    'no'\n    '''\n"
    new, _ = fix(tmp_path, data, "l.py")
    assert new == data.replace(b"'no'", b"'ok'")


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("print('>>> x')", "reads as a prompt"),
        ("print('...')", "reads as a prompt"),
        ("print('a\\tb')", "holds a tab"),
        ("print('<BLANKLINE>')", "'<BLANKLINE>' itself"),
        ("while True: pass", "timed out"),
    ],
)
def test_output_no_transcript_can_hold_is_not_written(tmp_path, source: str, why: str) -> None:
    data = f">>> {source}\nold\n".encode()
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    outcome = run_file(str(path), Options(fix=True, timeout=0.3))
    assert outcome.new_bytes is None
    assert why in outcome.result.fix_notes[0] and outcome.result.fix_notes[0].startswith(f"{path}:1: not rewritten")


def test_markdown_output_that_would_close_the_fence_is_not_written(tmp_path) -> None:
    path = tmp_path / "d.md"
    path.write_bytes(b"```pycon\n>>> print('```')\n```\n")
    outcome = run_file(str(path), Options(fix=True))
    assert outcome.new_bytes is None and "close the Markdown fence" in outcome.result.fix_notes[0]


def test_replace_file_keeps_the_mode_and_leaves_no_temporary_file(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    replace_file(path, b"old", b"new")
    assert path.read_bytes() == b"new" and os.stat(path).st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_ipython_output_at_the_end_of_a_file_without_newline(tmp_path) -> None:
    # Found by the fuzz test: the expected output's position lay one past the end of the text.
    new, _ = fix(tmp_path, b"In [1]: 1 + 1", "s.txt")
    assert new == b"In [1]: 1 + 1\nOut[1]: 2"
    assert recheck(tmp_path, "s.txt") == ["passed"]
