"""The `gradsh` command: argument handling only; the work lives in the packages it hands off to."""

# No `from __future__ import annotations` here: typer reads the real annotation objects.
import os
import sys
from enum import Enum
from typing import Annotated

import typer

import gradsh

app = typer.Typer(
    name="gradsh",
    help="A shell for PyTorch grad-mode experiments, run on gradsh's own autograd engine.",
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


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
    typer.Option("--timeout", metavar="SECONDS", min=0.0, help="Stop an example that runs longer; it fails."),
]


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"gradsh {gradsh.__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", help="Print gradsh's version and exit.", callback=_show_version, is_eager=True)
    ] = False,
) -> None:
    """A shell for PyTorch grad-mode experiments, run on gradsh's own autograd engine."""
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


def _color(no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _option_flags(names: list[str]) -> int:
    import doctest

    flags = 0
    for name in names:
        flag = doctest.OPTIONFLAGS_BY_NAME.get(name.upper().lstrip("+"))
        if flag is None:
            raise typer.BadParameter(f"{name!r} is not a doctest option (e.g. ELLIPSIS, NORMALIZE_WHITESPACE)")
        flags |= flag
    return flags


@app.command()
def run(
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Transcripts to replay.", show_default=False)],
    backend: BackendOpt = "gradsh",
    output_format: FormatOpt = OutputFormat.text,
    no_color: NoColorOpt = False,
    timeout: TimeoutOpt = None,
) -> None:
    """Replay transcripts: each example, its output, warnings and grad report. Exit 0 unless the input is unusable."""
    from gradsh import commands
    from gradsh.transcript.runner import Options

    request = commands.Request(
        "run",
        files,
        Options(backend=backend, timeout=timeout),
        output_format=output_format.value,
        color=_color(no_color),
    )
    raise typer.Exit(commands.main(request))


@app.command()
def check(
    paths: Annotated[
        list[str], typer.Argument(metavar="PATH...", help="Transcript files or folders to check.", show_default=False)
    ],
    fix: Annotated[
        bool, typer.Option("--fix", help="Rewrite the expected output of failing examples in place.")
    ] = False,
    backend: BackendOpt = "gradsh",
    output_format: FormatOpt = OutputFormat.text,
    junit_xml: Annotated[str | None, typer.Option("--junit-xml", metavar="PATH", help="Also write JUnit XML.")] = None,
    timeout: TimeoutOpt = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", min=1, metavar="N", help="Check files in N processes.")] = 1,
    glob: Annotated[
        list[str] | None,
        typer.Option(
            "--glob", metavar="PATTERN", help="File names to check in folders (default *.txt *.pycon *.md *.rst)."
        ),
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("-o", "--option", metavar="NAME", help="A doctest option for every example, e.g. ELLIPSIS."),
    ] = None,
    tolerance: Annotated[
        bool, typer.Option("--tolerance", help="Accept numbers within --rtol/--atol (as `# gradsh: +TOLERANCE`).")
    ] = False,
    rtol: Annotated[float, typer.Option("--rtol", min=0.0, help="Relative tolerance for --tolerance.")] = 1e-4,
    atol: Annotated[float, typer.Option("--atol", min=0.0, help="Absolute tolerance for --tolerance.")] = 1e-6,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Show passing examples too.")] = False,
    no_color: NoColorOpt = False,
) -> None:
    """Check transcripts against their written output, doctest's way. Exit 0 all passed, 1 some failed, 2 bad input."""
    from gradsh import commands
    from gradsh.transcript.runner import Options
    from gradsh.transcript.tolerance import Tolerance

    options = Options(
        backend=backend,
        optionflags=_option_flags(option or []),
        timeout=timeout,
        fix=fix,
        tolerance=Tolerance(rtol, atol) if tolerance else None,
    )
    request = commands.Request(
        "check",
        paths,
        options,
        globs=glob or [],
        jobs=jobs,
        output_format=output_format.value,
        junit_xml=junit_xml,
        color=_color(no_color),
        verbose=verbose,
    )
    raise typer.Exit(commands.main(request))


def main() -> None:
    """Console-script entry point (`gradsh` and `python -m gradsh`)."""
    app(prog_name="gradsh")
