"""One table of options (gradsh/options.py) builds both parsers: the fast path and the typer app.

For every option of every command: both parsers know it by the same names, give the same default, the same
value for a valid input, and refuse the same invalid input (the fast path hands it to typer, which says why)."""

import re

import pytest
import typer.main
from typer.testing import CliRunner

from gradsh import cli, fastargs, options

# A valid input and the value it gives, and invalid inputs, for each option key: an option added to the table
# without a line here fails test_every_option_has_cases.
VALID = {
    "fix": (None, True),
    "backend": ("torch", "torch"),
    "output_format": ("json", "json"),
    "junit_xml": ("r.xml", "r.xml"),
    "html": ("page.html", "page.html"),
    "timeout": ("2.5", 2.5),
    "jobs": ("3", 3),
    "shard": ("2/3", (2, 3)),
    "glob": ("*.py", ["*.py"]),
    "option": ("+ELLIPSIS", ["+ELLIPSIS"]),
    "tolerance": (None, True),
    "rtol": ("0.1", 0.1),
    "atol": ("0", 0.0),
    "verbose": (None, True),
    "vi": (None, True),
    "no_color": (None, True),
}
INVALID = {
    "output_format": ["xml"],
    "timeout": ["-1", "soon"],
    "jobs": ["0", "1.5"],
    "shard": ["4/3", "half"],
    "option": ["FOO"],
    "rtol": ["-0.1"],
    "atol": ["x"],
}
CASES = [(command, option) for command in options.COMMANDS for option in options.options_of(command)]


def ids(case: tuple[str, options.Option]) -> str:
    return f"{case[0]} {case[1].names[-1]}"


def by_typer(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, object]:
    seen = []
    monkeypatch.setattr(cli, "_hand_off", lambda command, paths, values: seen.append((command, paths, values)) or 0)
    result = CliRunner().invoke(cli.app, argv)
    return result.exit_code, seen[0] if seen else result.output


def argv_for(command: str, *rest: str) -> list[str]:
    paths = ["doc.txt"] if options.COMMANDS[command].argument else []
    return [command, *rest, *paths]


def test_every_option_has_cases() -> None:
    assert {o.key for o in options.TABLE} == set(VALID)
    assert all(o.convert is not str for o in options.TABLE if o.key in INVALID)


@pytest.mark.parametrize("command", list(options.COMMANDS))
def test_both_parsers_know_exactly_the_tables_names(command: str) -> None:
    click = typer.main.get_command(cli.app).commands[command]
    typer_names = {name for param in click.params for name in param.opts if name.startswith("-")} - {"--help"}
    table_names = {name for o in options.options_of(command) for name in o.names}
    fast_names = set(fastargs.FLAGS[command]) | set(fastargs.VALUES[command]) | set(fastargs.MULTI[command])
    assert typer_names == table_names == fast_names


@pytest.mark.parametrize("command", list(options.COMMANDS))
def test_defaults_are_the_same_on_both_paths(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = argv_for(command)
    fast = fastargs.parse(argv)
    assert fast is not None and fast[2] == options.defaults(command)
    assert by_typer(argv, monkeypatch) == (0, fast)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_a_valid_value_parses_alike_on_both_paths(case: tuple[str, options.Option], monkeypatch) -> None:
    command, option = case
    text, value = VALID[option.key]
    for name in option.names:
        written = [name] if text is None else [name, text]
        if text is not None and name.startswith("--"):
            written = [f"{name}={text}"] if len(option.names) == 1 else written
        argv = argv_for(command, *written)
        fast = fastargs.parse(argv)
        assert fast is not None, argv
        assert fast[2] == {**options.defaults(command), option.key: value}
        assert by_typer(argv, monkeypatch) == (0, fast)


@pytest.mark.parametrize("case", [c for c in CASES if c[1].key in INVALID], ids=ids)
def test_an_invalid_value_is_refused_alike_on_both_paths(case: tuple[str, options.Option], monkeypatch) -> None:
    command, option = case
    for text in INVALID[option.key]:
        argv = argv_for(command, option.names[-1], text)
        assert fastargs.parse(argv) is None  # typer's to report
        code, output = by_typer(argv, monkeypatch)
        assert code == 2 and option.names[-1] in str(output) and "Invalid value" in str(output)
        with pytest.raises(ValueError) as refused:
            option.convert(text)
        shown = " ".join(re.sub("[│╭╮╰╯─]", " ", str(output)).split())  # typer's error box, unwrapped
        assert " ".join(str(refused.value).split()) in shown  # the table's own words


def test_repeatable_options_collect_every_value(monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["check", "--glob", "*.md", "--glob=*.py", "-o", "ELLIPSIS", "--option", "SKIP", "x"]
    fast = fastargs.parse(argv)
    assert fast is not None and fast[2]["glob"] == ["*.md", "*.py"] and fast[2]["option"] == ["ELLIPSIS", "SKIP"]
    assert by_typer(argv, monkeypatch) == (0, fast)
