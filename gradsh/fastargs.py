"""A fast path for the common `gradsh run|check|repl` command lines, so they start without typer.

typer builds a pydantic adapter per parameter, which costs about a third of a second at every
start; `gradsh check` in a pre-commit hook or CI pays that on each call. This parser reads the same
table of options as the typer app (options.py) and checks values with the same functions; it accepts
only well-formed command lines and hands back the values typer would. Anything else (--help, an unknown
option, a bad value, no path) returns None, and typer handles it, with its own messages and exit status 2.
"""

from __future__ import annotations

from gradsh import options
from gradsh.options import COMMANDS, FLAG, Option, defaults, options_of


def _names(command: str, kind: str) -> dict[str, str]:
    return {name: o.key for o in options_of(command) if o.kind == kind for name in o.names}


# Option name -> value key, by kind, per command (derived from the table; kept for readers and tests).
FLAGS = {command: _names(command, FLAG) for command in COMMANDS}
VALUES = {command: _names(command, options.VALUE) for command in COMMANDS}
MULTI = {command: _names(command, options.MULTI) for command in COMMANDS}
_BY_NAME = {command: {name: o for o in options_of(command) for name in o.names} for command in COMMANDS}


def parse(argv: list[str]) -> tuple[str, list[str], dict[str, object]] | None:
    """(command, paths, values) for a well-formed `run`/`check`/`repl` command line; None to let typer decide."""
    if not argv or argv[0] not in COMMANDS:
        return None
    command, rest = argv[0], argv[1:]
    known = _BY_NAME[command]
    values = defaults(command)
    paths: list[str] = []
    i = 0
    try:
        while i < len(rest):
            arg = rest[i]
            name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
            option: Option | None = known.get(name)
            if option is None:
                if arg.startswith("-"):
                    return None  # --help, --, an unknown option: typer's to answer
                paths.append(arg)
            elif option.kind == FLAG:
                if eq:
                    return None
                values[option.key] = True
            else:
                if not eq:
                    i += 1
                    inline = rest[i]
                value = option.convert(inline)
                if option.kind == options.MULTI:
                    value = [*(values[option.key] or []), value]  # type: ignore[misc]
                values[option.key] = value
            i += 1
    except (IndexError, ValueError):
        return None
    if COMMANDS[command].argument is None:
        return (command, paths, values) if not paths else None  # the shell takes no paths
    return (command, paths, values) if paths else None
