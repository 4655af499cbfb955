"""The `gradsh` command: argument handling only; the work lives in the packages it hands off to."""

# No `from __future__ import annotations` here: typer reads the real annotation objects.
from typing import Annotated

import typer

import gradsh

app = typer.Typer(
    name="gradsh",
    help="A shell for PyTorch grad-mode experiments, run on gradsh's own autograd engine.",
    add_completion=False,
)


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
        # Nothing to run yet (the REPL and the runner come later): show what the command offers.
        typer.echo(ctx.get_help())


def main() -> None:
    """Console-script entry point (`gradsh` and `python -m gradsh`)."""
    app(prog_name="gradsh")
