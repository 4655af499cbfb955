"""The `gradsh` command: the typer app, built from the table of options (options.py); the work lives elsewhere.

Each subcommand's parameters come from the table: the same names, help, defaults and value checks as the
fast path (fastargs.py), so the two parse every command line alike; typer answers --help and reports errors.
"""

# No `from __future__ import annotations` here: typer reads the real annotation objects.
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import gradsh
from gradsh import options
from gradsh.options import COMMANDS, Option

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
        raise typer.Exit(_hand_off("repl", [], options.defaults("repl")))  # `gradsh` alone is the shell


def _checked(option: Option) -> Callable[[Any], Any]:
    """typer callback: the table's check and conversion of a value (a list of them for a repeatable option)."""

    def callback(value: Any) -> Any:
        if value is None:
            return None
        try:
            if option.kind == options.MULTI:
                return [option.convert(str(v)) for v in value]
            return option.convert(str(value))
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return callback


def _parameter(command: str, option: Option) -> inspect.Parameter:
    default = option.defaults[command]
    if option.kind == options.FLAG:
        annotation: Any = Annotated[bool, typer.Option(*option.names, help=option.help)]
    else:
        kind = list[str] | None if option.kind == options.MULTI else str | None
        info = typer.Option(
            *option.names,
            help=option.help,
            metavar=option.metavar,
            callback=_checked(option),
            show_default=default is not None,
        )
        annotation = Annotated[kind, info]
        default = None if default is None else str(default)  # converted by the callback, as a typed value is
    return inspect.Parameter(option.key, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _hand_off(command: str, paths: list[str], values: dict) -> int:
    if COMMANDS[command].argument is None:
        from gradsh.repl import main as repl_main

        return repl_main(**values)
    from gradsh import commands

    return commands.main(commands.request_from(command, paths, values))


def _add(command: str) -> None:
    spec = COMMANDS[command]
    parameters = []
    if spec.argument is not None:
        name, metavar, text = spec.argument
        info = typer.Argument(metavar=metavar, help=text, show_default=False)
        parameters.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[list[str], info])
        )
    parameters += [_parameter(command, option) for option in options.options_of(command)]

    def handler(**values: Any) -> None:
        paths = values.pop(spec.argument[0]) if spec.argument is not None else []
        raise typer.Exit(_hand_off(command, paths, values))

    handler.__name__ = command
    handler.__doc__ = spec.help
    handler.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    handler.__annotations__ = {p.name: p.annotation for p in parameters}
    app.command(command)(handler)


for _command in COMMANDS:
    _add(_command)


def main() -> None:
    """The typer command line (gradsh.entry.main tries the fast path first)."""
    app(prog_name="gradsh")
