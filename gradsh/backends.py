"""The backends `--backend` names, and what gradsh says when real PyTorch is asked for but missing: one place
for the CLI, the REPL, the check runner and the pytest plugin. Imports nothing (the shell's startup)."""

from __future__ import annotations

# What `import torch` gives: gradsh's engine (by either name) or real PyTorch; any other name is a module to import.
ALIASES = {"gradsh": "gradsh.torch", "gradsh.torch": "gradsh.torch", "torch": "torch"}
DEFAULT = "gradsh"


def module_for(name: str) -> str:
    """The module a `--backend` name stands for ("gradsh" -> "gradsh.torch")."""
    return ALIASES.get(name, name)


def needs_torch(detail: str = "") -> str:
    """The message for `--backend torch` where PyTorch is not installed (`detail`: the ImportError, if any)."""
    why = f" ({detail})" if detail else ""
    return (
        f"--backend torch needs PyTorch, which is not installed here{why}; "
        "install it with `pip install torch==2.13.0`, or leave out --backend to use gradsh's engine"
    )
