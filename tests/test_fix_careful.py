"""`check --fix` writes as careful editors do: never over an edit, through symlinks, keeping links, modes and owners."""

import io
import os
import subprocess
import sys

import pytest

from gradsh import commands, fastargs
from gradsh.transcript import replace

WRONG = b"Prose\tstays.\n\n>>> 1 + 1\n3\n"
FIXED = b"Prose\tstays.\n\n>>> 1 + 1\n2\n"


def check_fix(*paths: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    request = commands.request_from(*fastargs.parse(["check", "--fix", "--no-color", *map(str, paths)]))
    code = commands.main(request, out, err)
    return code, out.getvalue(), err.getvalue()


def temp_files(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(replace.SUFFIX)]


def test_a_file_with_a_tab_is_fixed_like_any_other(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(WRONG)
    assert check_fix(path)[0] == 0
    assert path.read_bytes() == FIXED


def test_each_line_keeps_its_own_ending(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(b"a\nb\nc\n\n>>> print('x\\ny')\r\n>>> 1\n2\n")
    assert check_fix(path)[0] == 0
    assert path.read_bytes() == b"a\nb\nc\n\n>>> print('x\\ny')\r\nx\r\ny\r\n>>> 1\n1\n"


def test_an_edit_made_during_the_run_survives(tmp_path) -> None:
    path = tmp_path / "t.txt"
    # The example itself edits the file after gradsh read it, as an editor saving meanwhile would.
    path.write_bytes(f">>> _ = open({str(path)!r}, 'a').write('EDIT\\n')\n>>> 1\n2\n".encode())
    code, _, err = check_fix(path)
    assert code == 1
    assert path.read_bytes().endswith(b"2\nEDIT\n")
    assert f"{path}: not written: it changed since gradsh read it" in err
    assert temp_files(tmp_path) == []


def test_a_symlink_stays_a_symlink_and_its_target_is_fixed(tmp_path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "t.txt").write_bytes(WRONG)
    link = tmp_path / "link.txt"
    link.symlink_to(real / "t.txt")
    assert check_fix(link)[0] == 0
    assert link.is_symlink() and (real / "t.txt").read_bytes() == FIXED
    assert temp_files(tmp_path) == [] and temp_files(real) == []


def test_a_file_with_hard_links_is_refused(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(WRONG)
    os.link(path, tmp_path / "other.txt")
    code, _, err = check_fix(path)
    assert code == 1 and "it has 2 hard links" in err
    assert path.read_bytes() == WRONG and os.stat(path).st_nlink == 2


def test_a_read_only_file_is_refused(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(WRONG)
    path.chmod(0o444)
    code, _, err = check_fix(path)
    assert code == 1 and f"{path}: not written: it is read-only" in err
    assert path.read_bytes() == WRONG


def test_mode_owner_and_group_are_kept(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(WRONG)
    path.chmod(0o604)
    can_chown = os.geteuid() == 0
    if can_chown:
        os.chown(path, 4321, 4322)
    assert check_fix(path)[0] == 0
    info = os.stat(path)
    assert path.read_bytes() == FIXED and info.st_mode & 0o7777 == 0o604
    if can_chown:
        assert (info.st_uid, info.st_gid) == (4321, 4322)


def test_a_write_failure_names_the_file_and_the_others_are_still_fixed(tmp_path, monkeypatch) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_bytes(WRONG)
    second.write_bytes(WRONG)
    real_replace = os.replace

    def failing(src, dst) -> None:
        if str(dst).endswith("a.txt"):
            raise PermissionError(13, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    code, out, err = check_fix(first, second)
    assert code == 1 and f"{first}: not written: writing failed: Permission denied" in err
    assert first.read_bytes() == WRONG and second.read_bytes() == FIXED
    assert "Traceback" not in out + err and temp_files(tmp_path) == []
    assert "1 fixed" in out


def test_a_file_deleted_during_the_run_is_an_error_for_it_alone(tmp_path) -> None:
    gone, other = tmp_path / "gone.txt", tmp_path / "other.txt"
    gone.write_bytes(f">>> import os; os.remove({str(gone)!r})\n>>> 1\n2\n".encode())
    other.write_bytes(WRONG)
    code, out, err = check_fix(gone, other)
    assert code == 1 and f"{gone}: not written: it no longer exists" in err
    assert not gone.exists() and other.read_bytes() == FIXED and "Traceback" not in out + err


def test_ctrl_c_while_writing_keeps_files_written_and_leaves_the_next_untouched(tmp_path, monkeypatch) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_bytes(WRONG)
    second.write_bytes(WRONG)
    real_replace = os.replace

    def interrupted(src, dst) -> None:
        if str(dst).endswith("b.txt"):
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", interrupted)
    code, out, err = check_fix(first, second)
    assert code == 130 and "Traceback" not in out + err
    assert first.read_bytes() == FIXED and second.read_bytes() == WRONG
    assert temp_files(tmp_path) == []


def test_stale_temporary_files_of_a_dead_writer_are_removed(tmp_path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".t.txt.{dead_pid}-0123abcd{replace.SUFFIX}"
    live = tmp_path / f".t.txt.{os.getppid()}-0123abcd{replace.SUFFIX}"
    foreign = tmp_path / f".t.txt.abc{replace.SUFFIX}"
    for p in (stale, live, foreign):
        p.write_bytes(b"partial")
    (tmp_path / "t.txt").write_bytes(FIXED)
    assert check_fix(tmp_path / "t.txt")[0] == 0
    assert sorted(temp_files(tmp_path)) == sorted([live.name, foreign.name])


@pytest.mark.slow
def test_kill_9_at_random_moments_never_damages_the_file(tmp_path) -> None:
    # scripts/fix_kill_loop.py is the longer version of this; here a bounded number of kills.
    script = os.path.join(os.path.dirname(__file__), "..", "scripts", "fix_kill_loop.py")
    result = subprocess.run(
        [sys.executable, script, "--kills", "10", "--examples", "800", "--folder", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "never damaged" in result.stdout
