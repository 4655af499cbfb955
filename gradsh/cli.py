"""The `gradsh` command: argument handling only; the work lives in the packages it hands off to."""

# No `from __future__ import annotations` here: typer reads the real annotation objects.
from enum import Enum
from typing import Annotated

import gradsh
from gradsh.fastargs import DEFAULTS

try:
    import typer
except ImportError:  # pragma: no cover - typer is a dependency; keep the message plain if it is missing
    raise SystemExit("gradsh: the typer package is missing; reinstall gradsh") from None

app = typer.Typer(
    name="gradsh",
    help="A shell for PyTorch grad-mode experiments, run on gradsh's own autograd engine.",
    add_completion=False,
    pretty_exceptions_enable=False,
)
CHECK, RUN, REPL = DEFAULTS["check"], DEFAULTS["run"], DEFAULTS["repl"]


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


RUN_FORMAT, CHECK_FORMAT = OutputFormat(RUN["output_format"]), OutputFormat(CHECK["output_format"])
BackendOpt = Annotated[
    str,
    typer.Option(
        "--backend",
        metavar="NAME",
        help="What `import torch` gives: gradsh (the embedded engine) or torch (real PyTorch, if installed).",
    ),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="text (for people) or json (one document).")]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="Plain text even on a terminal (also: NO_COLOR=1).")]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        min=0.0,
        help="Stop an example that runs longer (it fails, the rest of its file is not run); 0: no limit.",
    ),
]


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"gradsh {gradsh.__version__}")
        raise typer.Exit()


def _doctest_options(names: list[str] | None) -> list[str] | None:
    import doctest

    for name in names or []:
        if name.upper().lstrip("+") not in doctest.OPTIONFLAGS_BY_NAME:
            raise typer.BadParameter(f"{name!r} is not a doctest option (e.g. ELLIPSIS, NORMALIZE_WHITESPACE)")
    return names


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", help="Print gradsh's version and exit.", callback=_show_version, is_eager=True)
    ] = False,
) -> None:
    """A shell for PyTorch grad-mode experiments, run on gradsh's own autograd engine."""
    if ctx.invoked_subcommand is None:
        repl()  # `gradsh` alone is the shell


def _hand_off(command: str, paths: list[str], values: dict) -> None:
    from gradsh import commands

    values["output_format"] = OutputFormat(values["output_format"]).value
    raise typer.Exit(commands.main(commands.request_from(command, paths, values)))


@app.command()
def run(
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Transcripts to replay.", show_default=False)],
    backend: BackendOpt = RUN["backend"],
    output_format: FormatOpt = RUN_FORMAT,
    no_color: NoColorOpt = RUN["no_color"],
    timeout: TimeoutOpt = RUN["timeout"],
) -> None:
    """Replay transcripts: each example, its output, warnings and grad report. Exit 0 unless the input is unusable."""
    _hand_off(
        "run", files, {"backend": backend, "output_format": output_format, "no_color": no_color, "timeout": timeout}
    )


@app.command()
def check(
    paths: Annotated[
        list[str], typer.Argument(metavar="PATH...", help="Transcript files or folders to check.", show_default=False)
    ],
    fix: Annotated[
        bool, typer.Option("--fix", help="Rewrite the expected output of failing examples in place.")
    ] = CHECK["fix"],
    backend: BackendOpt = CHECK["backend"],
    output_format: FormatOpt = CHECK_FORMAT,
    junit_xml: Annotated[
        str | None, typer.Option("--junit-xml", metavar="PATH", help="Also write JUnit XML (a testcase per example).")
    ] = CHECK["junit_xml"],
    timeout: TimeoutOpt = CHECK["timeout"],
    jobs: Annotated[int, typer.Option("-j", "--jobs", min=1, metavar="N", help="Check files in N processes.")] = CHECK[
        "jobs"
    ],
    glob: Annotated[
        list[str] | None,
        typer.Option(
            "--glob", metavar="PATTERN", help="File names to check in folders (default *.txt *.pycon *.md *.rst)."
        ),
    ] = CHECK["glob"],
    option: Annotated[
        list[str] | None,
        typer.Option(
            "-o",
            "--option",
            metavar="NAME",
            callback=_doctest_options,
            help="A doctest option for every example, e.g. ELLIPSIS.",
        ),
    ] = CHECK["option"],
    tolerance: Annotated[
        bool, typer.Option("--tolerance", help="Accept numbers within --rtol/--atol (as `# gradsh: +TOLERANCE`).")
    ] = CHECK["tolerance"],
    rtol: Annotated[float, typer.Option("--rtol", min=0.0, help="Relative tolerance for --tolerance.")] = CHECK["rtol"],
    atol: Annotated[float, typer.Option("--atol", min=0.0, help="Absolute tolerance for --tolerance.")] = CHECK["atol"],
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Show passing examples too.")] = CHECK["verbose"],
    no_color: NoColorOpt = CHECK["no_color"],
) -> None:
    """Check transcripts against their written output, doctest's way. Exit 0 all passed, 1 some failed, 2 bad input."""
    values = {
        "fix": fix,
        "backend": backend,
        "output_format": output_format,
        "junit_xml": junit_xml,
        "timeout": timeout,
        "jobs": jobs,
        "glob": glob,
        "option": option,
        "tolerance": tolerance,
        "rtol": rtol,
        "atol": atol,
        "verbose": verbose,
        "no_color": no_color,
    }
    _hand_off("check", paths, values)


@app.command()
def repl(
    backend: BackendOpt = REPL["backend"],
    vi: Annotated[bool, typer.Option("--vi", help="Vi key bindings instead of emacs (F4 switches).")] = REPL["vi"],
    no_color: NoColorOpt = REPL["no_color"],
) -> None:
    """The interactive shell, torch imported; after each input, what autograd did. From a pipe: a script, plainly."""
    from gradsh.repl import main as repl_main

    raise typer.Exit(repl_main(backend=backend, vi=vi, no_color=no_color))


def main() -> None:
    """The typer command line (gradsh.entry.main tries the fast path first)."""
    app(prog_name="gradsh")
