"""Console-script entry point (`gradsh` and `python -m gradsh`): the fast path first, typer for the rest.

A well-formed `gradsh run|check|repl ...` is parsed by fastargs (no typer import: see fastargs.py);
`gradsh` alone is `gradsh repl`; everything else, `--help`, errors, goes to the typer app in cli.py.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        _main()
    except KeyboardInterrupt:  # Ctrl-C before a command took charge of it (while importing): no traceback
        raise SystemExit(130) from None


def _main() -> None:
    from gradsh import fastargs

    fast = fastargs.parse(sys.argv[1:] or ["repl"])
    if fast is not None and fast[0] == "repl":
        from gradsh.repl import main as repl_main

        raise SystemExit(repl_main(**fast[2]))
    if fast is not None:
        from gradsh import commands

        raise SystemExit(commands.main(commands.request_from(*fast)))
    from gradsh.cli import main as typer_main

    typer_main()
