"""The bottom toolbar: the grad mode in force (and the grad-mode blocks being typed, with their depth), the backend."""

from __future__ import annotations

from prompt_toolkit.formatted_text import StyleAndTextTuples

from gradsh.repl.history import mode_words
from gradsh.repl.inputs import grad_blocks
from gradsh.report.model import GradMode

_STYLE = {"grad on": "class:toolbar.on", "no_grad": "class:toolbar.off", "inference_mode": "class:toolbar.inference"}


def status(mode: GradMode | None, text_before_cursor: str) -> tuple[str, int]:
    """The mode the cursor's line would run in, and how many grad-mode `with` blocks enclose it."""
    blocks = grad_blocks(text_before_cursor)
    if not blocks:
        return mode_words(mode), 0
    innermost = blocks[-1]
    return ("grad on" if innermost == "enable_grad" else innermost), len(blocks)


def toolbar(mode: GradMode | None, text_before_cursor: str, backend: str, report: bool, vi: bool) -> StyleAndTextTuples:
    words, depth = status(mode, text_before_cursor)
    nested = f" (depth {depth})" if depth else ""
    backend_words = "gradsh engine" if backend == "gradsh.torch" else "real PyTorch" if backend == "torch" else backend
    return [
        ("class:toolbar", " grad mode: "),
        (_STYLE.get(words, "class:toolbar"), words + nested),
        ("class:toolbar", f" │ backend: {backend_words} │ report {'on' if report else 'off'} │ "),
        ("class:toolbar", ("vi" if vi else "emacs") + " (F4) │ %help "),
    ]
