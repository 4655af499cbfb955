"""A transcript's output is shown, never obeyed: control characters are made visible; JSON keeps them; 1 MB caps."""

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from gradsh import commands, fastargs
from gradsh.report.limits import LIMIT
from gradsh.report.text import visible
from gradsh.transcript.runner import Options, run_file

# Retitle the window, clear the screen, write the clipboard (OSC 52), a one-byte CSI, and an OSC never ended.
HOSTILE = "\\x1b]0;T\\x07\\x1b[2J\\x1b]52;c;aGk=\\x07\\x9b2J\\x1b]0;unterminated"
TRANSCRIPT = (
    f">>> print('{HOSTILE}')\nexpected \x1b[31m \x1b]0;W\x07\n"
    f">>> import sys; _ = sys.stderr.write('{HOSTILE}')\n"
    f">>> import warnings; warnings.warn('{HOSTILE}')\n"
    f">>> raise ValueError('{HOSTILE}')\n"
)
ESCAPES = [b"\x1b]", b"\x1b[2J", b"\x9b", "\x9b".encode()]


def in_a_pty(argv: list[str], color: bool) -> bytes:
    leader, follower = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "200"}
    env.pop("NO_COLOR", None)
    if not color:
        env["NO_COLOR"] = "1"
    proc = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    proc.wait(timeout=60)
    return b"".join(chunks)


@pytest.mark.parametrize("color", [True, False], ids=["rich", "plain"])
@pytest.mark.parametrize("command", ["check", "run"])
def test_escape_sequences_never_reach_the_terminal(tmp_path, command: str, color: bool) -> None:
    path = tmp_path / "hostile.txt"
    path.write_text(TRANSCRIPT)
    shown = in_a_pty([sys.executable, "-m", "gradsh", command, str(path)], color)
    for escape in ESCAPES:
        assert escape not in shown, (escape, shown)
    text = shown.decode()
    assert "\\x1b]0;T\\x07\\x1b[2J\\x1b]52;c;aGk=\\x07\\x9b2J" in text  # shown, as escapes
    assert "passed" in text.splitlines()[-1] or "passed" in text  # the summary after an unterminated OSC


def test_visible_keeps_tab_and_newline_and_escapes_the_rest() -> None:
    assert visible("a\tb\nc\r\x1b\x00\x7f\x9b\u202e") == "a\tb\nc\\r\\x1b\\x00\\x7f\\x9b\\u202e"
    assert visible("plain ✓ text") == "plain ✓ text"


def test_json_and_junit_keep_the_text_exactly(tmp_path) -> None:
    path = tmp_path / "hostile.txt"
    path.write_text(TRANSCRIPT)
    out, junit = io.StringIO(), tmp_path / "r.xml"
    argv = ["check", "--format", "json", "--junit-xml", str(junit), str(path)]
    commands.main(commands.request_from(*fastargs.parse(argv)), out, io.StringIO())
    first = json.loads(out.getvalue())["files"][0]["examples"][0]
    raw = HOSTILE.encode().decode("unicode_escape")
    assert first["got"] == raw + "\n" and first["want"] == "expected \x1b[31m \x1b]0;W\x07\n"
    failure = ET.parse(junit).find(".//testcase[@line='1']/failure")
    assert "\\x1b]0;T\\x07" in failure.text  # XML 1.0 cannot hold ESC at all, even escaped


def test_text_is_capped_at_1_mb_with_a_note_and_the_verdict_uses_all_of_it(tmp_path) -> None:
    path = tmp_path / "big.txt"
    n = 3 * LIMIT
    path.write_text(f">>> print('x' * {n})\n>>> print('y' * {n}, end='')  # doctest: +ELLIPSIS\ny...y\n")
    big, ellipsis = run_file(str(path), Options()).result.examples
    assert big.verdict == "failed" and len(big.got) < LIMIT + 200 and len(big.diff) < 2 * LIMIT + 400
    assert f"{n + 1 - LIMIT:,} more characters cut" in big.got
    assert ellipsis.verdict == "passed"  # compared on the whole 3 MB
