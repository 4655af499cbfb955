"""The bottom toolbar: the grad mode in force (and the grad-mode blocks being typed, with their depth), the backend."""

from __future__ import annotations

from collections.abc import Sequence

from prompt_toolkit.formatted_text import StyleAndTextTuples

from gradsh.repl.inputs import grad_blocks
from gradsh.report import grad_modes
from gradsh.report.model import GradMode

_STYLE = {
    grad_modes.GRAD_ENABLED: "class:toolbar.on",
    grad_modes.GRAD_DISABLED: "class:toolbar.off",
    grad_modes.INFERENCE: "class:toolbar.inference",
}


def status(mode: GradMode | None, text_before_cursor: str) -> tuple[str, str | None, int]:
    """The state the cursor's line would run in, the innermost grad-mode `with` block's setter (PyTorch's
    name, None outside any), and how many such blocks enclose the line."""
    blocks = grad_blocks(text_before_cursor)
    if mode is None or not blocks:
        return grad_modes.state_words(mode), None, len(blocks)
    for setter in blocks:
        mode = grad_modes.under(mode, setter)
    return grad_modes.state_words(mode), blocks[-1], len(blocks)


def toolbar(
    mode: GradMode | None,
    text_before_cursor: str,
    backend: str,
    report: bool,
    vi: bool,
    flags: Sequence[str] = (),
) -> StyleAndTextTuples:
    """`flags`: modes in force beyond the grad mode (autograd_state.flags: anomaly mode, an open dual level)."""
    words, setter, depth = status(mode, text_before_cursor)
    nested = f" ({setter}, depth {depth})" if setter else ""
    backend_words = "gradsh engine" if backend == "gradsh.torch" else "real PyTorch" if backend == "torch" else backend
    return [
        ("class:toolbar", " grad mode: "),
        (_STYLE.get(words, "class:toolbar"), words + nested),
        *[("class:toolbar.flag", f" │ {flag}") for flag in flags],
        ("class:toolbar", f" │ backend: {backend_words} │ report {'on' if report else 'off'} │ "),
        ("class:toolbar", ("vi" if vi else "emacs") + " (F4) │ %help "),
    ]
