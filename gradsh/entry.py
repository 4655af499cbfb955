"""Console-script entry point (`gradsh` and `python -m gradsh`): the fast path first, typer for the rest.

A well-formed `gradsh run|check ...` is parsed by fastargs (no typer import: see fastargs.py);
everything else, `--help`, errors and the other commands, goes to the typer app in cli.py.
"""

from __future__ import annotations

import sys


def main() -> None:
    from gradsh import fastargs

    fast = fastargs.parse(sys.argv[1:])
    if fast is not None:
        from gradsh import commands

        raise SystemExit(commands.main(commands.request_from(*fast)))
    from gradsh.cli import main as typer_main

    typer_main()
