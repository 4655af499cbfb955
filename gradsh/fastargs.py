"""A fast path for the common `gradsh run|check|repl` command lines, so they start without typer.

typer builds a pydantic adapter per parameter, which costs about a third of a second at every
start; `gradsh check` in a pre-commit hook or CI pays that on each call. This parser accepts only
well-formed command lines of the options cli.py declares (tests hold the two in step) and hands
back the same values typer would; anything else (--help, an unknown option, a bad value, no
path) returns None, and typer handles it, with its own messages and exit status 2.
"""

from __future__ import annotations

FLAGS = {
    "check": {
        "--fix": "fix",
        "--tolerance": "tolerance",
        "-v": "verbose",
        "--verbose": "verbose",
        "--no-color": "no_color",
    },
    "run": {"--no-color": "no_color"},
    "repl": {"--vi": "vi", "--no-color": "no_color"},
}
VALUES = {
    "check": {
        "--backend": "backend",
        "--format": "output_format",
        "--junit-xml": "junit_xml",
        "--timeout": "timeout",
        "-j": "jobs",
        "--jobs": "jobs",
        "--rtol": "rtol",
        "--atol": "atol",
    },
    "run": {"--backend": "backend", "--format": "output_format", "--timeout": "timeout"},
    "repl": {"--backend": "backend"},
}
MULTI = {"check": {"--glob": "glob", "-o": "option", "--option": "option"}, "run": {}, "repl": {}}
DEFAULTS = {
    "check": {
        "fix": False,
        "backend": "gradsh",
        "output_format": "text",
        "junit_xml": None,
        "timeout": 60.0,  # seconds per example; 0 disables (`run` is interactive: no limit, Ctrl-C stops it)
        "jobs": 1,
        "glob": None,
        "option": None,
        "tolerance": False,
        "rtol": 1e-4,
        "atol": 1e-6,
        "verbose": False,
        "no_color": False,
    },
    "run": {"backend": "gradsh", "output_format": "text", "no_color": False, "timeout": None},
    "repl": {"backend": "gradsh", "vi": False, "no_color": False},
}
_CONVERT = {"timeout": float, "jobs": int, "rtol": float, "atol": float}


def _value(name: str, text: str) -> object:
    value = _CONVERT.get(name, str)(text)
    if name == "output_format" and value not in ("text", "json"):
        raise ValueError(value)
    if name in ("timeout", "rtol", "atol") and value < 0 or name == "jobs" and value < 1:
        raise ValueError(value)
    return value


def _doctest_option(name: str) -> bool:
    import doctest  # only here: importing it costs the shell's startup ~30 ms

    return name.upper().lstrip("+") in doctest.OPTIONFLAGS_BY_NAME


def parse(argv: list[str]) -> tuple[str, list[str], dict[str, object]] | None:
    """(command, paths, values) for a well-formed `run`/`check`/`repl` command line; None to let typer decide."""
    if not argv or argv[0] not in FLAGS:
        return None
    command, rest = argv[0], argv[1:]
    values = dict(DEFAULTS[command])
    paths: list[str] = []
    i = 0
    try:
        while i < len(rest):
            arg = rest[i]
            name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
            if name in FLAGS[command] and not eq:
                values[FLAGS[command][name]] = True
            elif name in VALUES[command] or name in MULTI[command]:
                if not eq:
                    i += 1
                    inline = rest[i]
                if name in VALUES[command]:
                    values[VALUES[command][name]] = _value(VALUES[command][name], inline)
                else:
                    key = MULTI[command][name]
                    if key == "option" and not _doctest_option(inline):
                        return None
                    values[key] = [*(values[key] or []), inline]
            elif arg.startswith("-"):
                return None  # --help, --, an unknown option: typer's to answer
            else:
                paths.append(arg)
            i += 1
    except (IndexError, ValueError):
        return None
    if command == "repl":
        return (command, paths, values) if not paths else None  # the shell takes no paths
    return (command, paths, values) if paths else None
