"""The interactive shell: a prompt_toolkit application over gradsh's one session model (see loop.py)."""

from __future__ import annotations

import os
import sys

from gradsh import backends


def main(backend: str = "gradsh", vi: bool = False, no_color: bool = False) -> int:
    """`gradsh` / `gradsh repl`: the prompt on a terminal, a plainly printed script from a pipe. The exit status."""
    from gradsh.repl.loop import Repl
    from gradsh.repl.printer import Printer

    module = backends.module_for(backend)
    if sys.stdin is None or sys.stdin.closed:  # `gradsh <&-`: nothing to read, nothing to do
        return 0
    tty = sys.stdin.isatty() and sys.stdout is not None and sys.stdout.isatty()
    color = tty and not no_color and "NO_COLOR" not in os.environ
    repl = Repl(module, Printer(color))
    if module == "torch" and not _torch_installed():
        sys.stderr.write(f"gradsh repl: error: {backends.needs_torch()}\n")
        return 2
    if not tty:
        try:
            repl.start()
            return repl.run_script(sys.stdin)
        finally:
            repl.close()
    from gradsh.repl.app import run_prompt

    return run_prompt(repl, vi=vi)


def _torch_installed() -> bool:
    """Real PyTorch is importable, wherever it is installed (a venv inside a clone named gradsh too): only
    `torch` bound to gradsh's own engine (its spec then names gradsh.torch) does not count."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.name == "torch"
