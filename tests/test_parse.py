"""Parsing: every format, exact positions, and doctest's own reading of `>>>` text."""

import doctest

import pytest

from gradsh.transcript.parse import parse_source
from gradsh.transcript.source import InputError, decode


def parse(text: str, name: str = "t.txt"):
    return parse_source(decode(name, text.encode("utf-8")))


def wanted(t, ex) -> str:
    start, end = ex.want_span
    return t.source.text[start:end]


def test_plain_transcript_agrees_with_doctest() -> None:
    text = "Prose.\n\n>>> x = 1\n>>> x + 1\n2\n>>> for i in range(2):\n...     print(i)\n0\n1\n\nMore prose.\n"
    t = parse(text)
    ours = [(e.source, e.want, e.line) for e in t.examples]
    theirs = [(e.source, e.want, e.lineno + 1) for e in doctest.DocTestParser().get_examples(text)]
    assert ours == theirs
    assert [wanted(t, e) for e in t.examples] == ["", "2\n", "0\n1\n"]


def test_indented_dots_inside_an_expected_traceback_are_output() -> None:
    text = ">>> f()\nTraceback (most recent call last):\n    ...\nValueError: bad\n"
    (ex,) = parse(text).examples
    assert ex.source == "f()\n"
    assert ex.want == "Traceback (most recent call last):\n    ...\nValueError: bad\n"
    assert ex.exc_msg == "ValueError: bad\n"


def test_directives_are_doctests_and_gradsh_extras() -> None:
    text = (
        ">>> print(1)  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE\n1\n"
        ">>> x  # xdoctest: +SKIP\n>>> y  # gradsh: +TOLERANCE\n"
    )
    a, b, c = parse(text).examples
    assert a.options == {doctest.ELLIPSIS: True, doctest.NORMALIZE_WHITESPACE: True}
    assert b.extras == {"SKIP"} and c.extras == {"TOLERANCE"}


def test_xdoctest_skip_alone_on_a_line_skips_the_rest_of_the_block() -> None:
    text = ">>> # xdoctest: +SKIP\n>>> a\n>>> b\n\nProse starts a new block.\n\n>>> c\n"
    a, b, c = parse(text).examples
    assert "SKIP" in a.extras and "SKIP" in b.extras and "SKIP" not in c.extras


def test_unknown_gradsh_directive_names_its_line() -> None:
    with pytest.raises(InputError) as info:
        parse("text\n>>> x  # gradsh: +FAST\n")
    assert info.value.line == 2 and "FAST" in info.value.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("\n>>>x = 1\n", 2),
        ("\n\n  >>> x = 1\n  ...y\n", 4),
        ("  >>> 1\n  1\n 2\n", 3),
        (">>> 1  # doctest: +NOPE\n", 1),
    ],
)
def test_malformed_examples_are_input_errors_with_a_line(text: str, line: int) -> None:
    with pytest.raises(InputError) as info:
        parse(text)
    assert info.value.line == line
    assert str(info.value).startswith(f"t.txt:{line}: ")


def test_markdown_fences_never_end_in_the_expected_output() -> None:
    text = (
        "# Title\n\n>>> not_an_example\n\n```pycon\n>>> 1 + 1\n2\n```\n\nText.\n\n"
        "```python\n>>> print('a')\na\n```\n\n```bash\n>>> ignored\n```\n\n~~~\n>>> 3\n3\n~~~\n"
    )
    t = parse(text, "doc.md")
    assert [(e.source, e.want, e.line) for e in t.examples] == [
        ("1 + 1\n", "2\n", 6),
        ("print('a')\n", "a\n", 13),
        ("3\n", "3\n", 22),
    ]
    assert all("`" not in wanted(t, e) and "~" not in wanted(t, e) for e in t.examples)


def test_unterminated_markdown_fence_runs_to_the_end() -> None:
    t = parse("```pycon\n>>> 2\n2", "doc.md")
    assert [(e.want, e.line) for e in t.examples] == [("2\n", 2)]


def test_rest_literal_and_code_block() -> None:
    text = "Title\n=====\n\nA block::\n\n    >>> 1\n    1\n\n.. code-block:: pycon\n\n   >>> 2\n   2\n\nEnd.\n"
    t = parse(text, "doc.rst")
    assert [(e.source, e.want, e.line, e.indent) for e in t.examples] == [("1\n", "1\n", 6, 4), ("2\n", "2\n", 11, 3)]
    assert wanted(t, t.examples[0]) == "    1\n"


def test_ipython_transcript() -> None:
    text = (
        "In [1]: import torch\n\n"
        "In [2]: for i in range(2):\n   ...:     print(i)\n   ...:\n0\n1\n\n"
        "In [3]: x = 5\n\nIn [4]: x\nOut[4]: 5\n\n"
        "In [5]: [[1, 2],\n   ...:  [3, 4]]\nOut[5]:\n[[1, 2],\n [3, 4]]\n"
    )
    t = parse(text, "session.txt")
    assert [(e.source, e.want, e.line, e.prompt_number) for e in t.examples] == [
        ("import torch\n", "", 1, 1),
        ("for i in range(2):\n    print(i)\n", "0\n1\n", 3, 2),
        ("x = 5\n", "", 9, 3),
        ("x\n", "5\n", 11, 4),
        ("[[1, 2],\n [3, 4]]\n", "[[1, 2],\n [3, 4]]\n", 14, 5),
    ]
    assert all(e.style == "ipython" for e in t.examples)
    assert wanted(t, t.examples[3]) == "Out[4]: 5\n"


def test_python_docstrings_with_positions() -> None:
    text = (
        '"""Module.\n\n>>> 1 + 1\n2\n"""\n\n\ndef f():\n    """Doc.\n\n    >>> f()\n    3"""\n    return 3\n\n\n'
        "class C:\n    r'''\n    >>> C.__name__\n    'C'\n    '''\n\n\n"
        'def g():\n    """Escaped \\n.\n\n    >>> 4\n    4\n    """\n'
    )
    t = parse(text, "mod.py")
    assert [(e.source, e.want, e.line) for e in t.examples] == [
        ("1 + 1\n", "2\n", 3),
        ("f()\n", "3\n", 11),
        ("C.__name__\n", "'C'\n", 18),
        ("4\n", "4\n", 27),
    ]  # 27, not 26: in an escaped docstring lines are counted in its value, where `\\n` is a line break
    assert wanted(t, t.examples[1]) == "    3"  # the closing quotes are not output
    assert t.examples[3].want_span is None  # an escape: the value is not a slice of the file


def test_python_file_that_does_not_parse_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        parse("def f(:\n    pass\n", "bad.py")
    assert info.value.line == 1


def test_crlf_positions_are_line_exact() -> None:
    t = parse_source(decode("w.txt", b"Prose\r\n\r\n>>> 1 + 1\r\n2\r\n>>> 3\r\n"))
    assert [(e.source, e.want, e.line) for e in t.examples] == [("1 + 1\n", "2\n", 3), ("3\n", "", 5)]
    start, end = t.examples[0].want_span
    assert t.source.raw[t.source.original_offset(start) : t.source.original_offset(end)] == "2\r\n"
    assert t.source.newline == "\r\n"


def test_undecodable_bytes_name_their_line() -> None:
    with pytest.raises(InputError) as info:
        decode("bin.txt", b">>> 1\n1\n\xff\xfe\n")
    assert info.value.line == 3 and "0xff" in info.value.message


def test_tabs_are_expanded_as_doctest_does_and_the_span_still_points_into_the_file() -> None:
    text = "Prose\twith a tab.\n>>> print('a\\tb')\na\tb\n"
    (ex,) = parse(text).examples
    assert ex.want == "a       b\n"
    start, end = ex.want_span
    assert text[start:end] == "a\tb\n"  # the written lines as they are in the file, tab and all
