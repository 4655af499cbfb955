"""Every option of `gradsh run|check|repl`, declared once: its names, help, validation and default per command.

Both parsers are built from this table: the fast path (fastargs.py, no typer at startup) and the typer app
(cli.py, for --help and every error message). A value is checked by the same function on both paths; an
invalid one sends the fast path to typer, which reports it (exit status 2). Imports nothing heavy: the
shell's startup reads it.
"""

from __future__ import annotations

from collections.abc import Callable

from gradsh import backends

FLAG, VALUE, MULTI = "flag", "value", "multi"  # --fix; --timeout 2; --glob A --glob B


class Option:
    """One option: `key` is its name in the parsed values; `defaults` maps each command that has it to its default."""

    __slots__ = ("convert", "defaults", "help", "key", "kind", "metavar", "names")

    def __init__(
        self,
        key: str,
        names: tuple[str, ...],
        help: str,
        defaults: dict[str, object],
        kind: str = VALUE,
        convert: Callable[[str], object] = str,
        metavar: str | None = None,
    ) -> None:
        self.key, self.names, self.help, self.defaults = key, names, help, defaults
        self.kind, self.convert, self.metavar = kind, convert, metavar


class Command:
    """A subcommand: its positional argument (name, metavar, help; None for the shell) and its help."""

    __slots__ = ("argument", "help")

    def __init__(self, argument: tuple[str, str, str] | None, help: str) -> None:
        self.argument, self.help = argument, help


def _number(kind: type, minimum: float, what: str) -> Callable[[str], object]:
    def convert(text: str) -> object:
        try:
            value = kind(text)
        except (TypeError, ValueError):
            raise ValueError(f"{text!r} is not {what}") from None
        if value < minimum:
            raise ValueError(f"{text!r} is below {minimum:g}")
        return value

    return convert


def _choice(*allowed: str) -> Callable[[str], object]:
    def convert(text: str) -> object:
        if text not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return text

    return convert


def _doctest_option(text: str) -> object:
    import doctest  # only here: importing it costs the shell's startup ~30 ms

    if text.upper().lstrip("+") not in doctest.OPTIONFLAGS_BY_NAME:
        raise ValueError(f"{text!r} is not a doctest option (e.g. ELLIPSIS, NORMALIZE_WHITESPACE)")
    return text


def _usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, e.g. a container's share), at least 1."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _shard(text: str) -> object:
    from gradsh.transcript.shard import parse

    return parse(text)  # ShardError is a ValueError naming what is wrong


COMMANDS = {
    "run": Command(
        ("files", "FILE...", "Transcripts to replay."),
        "Replay transcripts: each example, its output, warnings and grad report. Exit 0 unless the input is unusable.",
    ),
    "check": Command(
        ("paths", "PATH...", "Transcript files or folders to check."),
        "Check transcripts against their written output, doctest's way. Exit 0 all passed, 1 some failed, 2 bad input.",
    ),
    "repl": Command(
        None,
        "The interactive shell, torch imported; after each input, what autograd did. From a pipe: a script, plainly.",
    ),
}

_ALL = ("run", "check", "repl")
TABLE = (
    Option("fix", ("--fix",), "Rewrite the expected output of failing examples in place.", {"check": False}, FLAG),
    Option(
        "backend",
        ("--backend",),
        "What `import torch` gives: gradsh (the embedded engine) or torch (real PyTorch, if installed).",
        dict.fromkeys(_ALL, backends.DEFAULT),
        metavar="NAME",
    ),
    Option(
        "output_format",
        ("--format",),
        "text (for people) or json (one document).",
        {"run": "text", "check": "text"},
        convert=_choice("text", "json"),
        metavar="[text|json]",
    ),
    Option(
        "junit_xml",
        ("--junit-xml",),
        "Also write JUnit XML (a testcase per example).",
        {"check": None},
        metavar="PATH",
    ),
    Option(
        "html",
        ("--html",),
        "Also write a replay page: prose, code, outputs, grad reports and backward graphs, in one HTML file.",
        {"run": None, "check": None},
        metavar="OUT.html",
    ),
    Option(
        "timeout",
        ("--timeout",),
        "Stop an example that runs longer (it fails, the rest of its file is not run); 0: no limit.",
        # seconds per example; `run` is interactive: no limit, Ctrl-C stops it
        {"check": 60.0, "run": None},
        convert=_number(float, 0.0, "a number of seconds"),
        metavar="SECONDS",
    ),
    Option(
        "jobs",
        ("-j", "--jobs"),
        "Check files in N processes (default: one per CPU core gradsh may use).",
        {"check": _usable_cores()},
        convert=_number(int, 1, "a whole number"),
        metavar="N",
    ),
    Option(
        "shard",
        ("--shard",),
        "Check only shard K of N (a CI matrix: the same split on every machine, balanced by examples).",
        {"check": None},
        convert=_shard,
        metavar="K/N",
    ),
    Option(
        "glob",
        ("--glob",),
        "File names to check in folders (default *.txt *.pycon *.md *.rst).",
        {"check": None},
        MULTI,
        metavar="PATTERN",
    ),
    Option(
        "option",
        ("-o", "--option"),
        "A doctest option for every example, e.g. ELLIPSIS.",
        {"check": None},
        MULTI,
        convert=_doctest_option,
        metavar="NAME",
    ),
    Option(
        "tolerance",
        ("--tolerance",),
        "Accept numbers within --rtol/--atol (as `# gradsh: +TOLERANCE`).",
        {"check": False},
        FLAG,
    ),
    Option(
        "rtol",
        ("--rtol",),
        "Relative tolerance for --tolerance.",
        {"check": 1e-4},
        convert=_number(float, 0.0, "a number"),
        metavar="FLOAT",
    ),
    Option(
        "atol",
        ("--atol",),
        "Absolute tolerance for --tolerance.",
        {"check": 1e-6},
        convert=_number(float, 0.0, "a number"),
        metavar="FLOAT",
    ),
    Option(
        "verbose",
        ("-v", "--verbose"),
        "check: show passing examples too; both: every tensor of a long list in the grad report.",
        {"check": False, "run": False},
        FLAG,
    ),
    Option("vi", ("--vi",), "Vi key bindings instead of emacs (F4 switches).", {"repl": False}, FLAG),
    Option(
        "no_color",
        ("--no-color",),
        "Plain text even on a terminal (also: NO_COLOR=1).",
        dict.fromkeys(_ALL, False),
        FLAG,
    ),
)


def options_of(command: str) -> list[Option]:
    """The options `command` takes, in the table's order."""
    return [option for option in TABLE if command in option.defaults]


def defaults(command: str) -> dict[str, object]:
    """Every option of `command` at its default: what a command line without options gives."""
    return {option.key: option.defaults[command] for option in options_of(command)}
