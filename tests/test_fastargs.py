"""The fast path for `gradsh run|check` stays in step with the typer app: same options, same Request."""

import pytest
import typer.main
from typer.testing import CliRunner

from gradsh import commands, fastargs
from gradsh.cli import app


def typer_options(command: str) -> set[str]:
    click_command = typer.main.get_command(app).commands[command]
    return {opt for param in click_command.params for opt in param.opts if opt.startswith("-")}


@pytest.mark.parametrize("command", ["run", "check", "repl"])
def test_fast_path_knows_exactly_the_typer_options(command: str) -> None:
    fast = set(fastargs.FLAGS[command]) | set(fastargs.VALUES[command]) | set(fastargs.MULTI[command])
    assert fast == typer_options(command) - {"--help"}


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "a.txt"],
        ["check", "a.txt", "docs", "--fix", "-j", "3", "--timeout", "2.5", "--format", "json", "--junit-xml", "r.xml"],
        ["check", "--glob", "*.md", "--glob=*.py", "-o", "ELLIPSIS", "--option", "+NORMALIZE_WHITESPACE", "x"],
        ["check", "--tolerance", "--rtol", "0.1", "--atol=0", "-v", "--no-color", "--backend", "torch", "x"],
        ["run", "a.txt", "b.txt", "--backend=torch", "--timeout", "1", "--no-color", "--format", "json"],
    ],
)
def test_fast_path_builds_the_request_typer_builds(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    monkeypatch.setattr(commands, "main", lambda request: seen.append(request) or 0)
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    fast = fastargs.parse(argv)
    assert fast is not None
    assert commands.request_from(*fast) == seen[0]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["check"],
        ["check", "--help"],
        ["check", "--bogus", "x"],
        ["check", "-j", "0", "x"],
        ["check", "-j", "x", "y"],
        ["check", "--timeout", "-1", "x"],
        ["check", "--format", "xml", "x"],
        ["check", "-o", "NOPE", "x"],
        ["check", "x", "--timeout"],
        ["run", "--fix", "x"],
        ["repl", "x.txt"],
        ["repl", "--backend"],
        ["--version"],
        ["check", "--fix=1", "x"],
    ],
)
def test_anything_unusual_goes_to_typer(argv: list[str]) -> None:
    assert fastargs.parse(argv) is None


@pytest.mark.parametrize(
    "argv", [["repl"], ["repl", "--backend", "torch", "--vi"], ["repl", "--no-color", "--backend=gradsh"]]
)
def test_fast_path_gives_the_repl_what_typer_gives(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import gradsh.repl

    seen = []
    monkeypatch.setattr(gradsh.repl, "main", lambda **values: seen.append(values) or 0)
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    fast = fastargs.parse(argv)
    assert fast is not None and fast[:2] == ("repl", []) and fast[2] == seen[0]
