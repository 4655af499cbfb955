"""The prompt_toolkit side: the PromptSession (highlighting, completion, history, auto-suggest, toolbar, keys)
and the loop that reads inputs from it and hands them to the Repl."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.enums import EditingMode
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.lexers import PygmentsLexer
from prompt_toolkit.styles import Style
from pygments.lexers.python import PythonLexer

from gradsh.repl.completer import NamespaceCompleter
from gradsh.repl.keys import bindings
from gradsh.repl.loop import Repl
from gradsh.repl.toolbar import toolbar

STYLE = Style.from_dict(
    {
        "bottom-toolbar": "noreverse bg:#303030 #d0d0d0",
        "toolbar.on": "bold #5fd75f",
        "toolbar.off": "bold #ff8787",
        "toolbar.inference": "bold #87afff",
        "toolbar.flag": "bold #ffaf5f",
        "prompt": "bold #5f87d7",
    }
)


def history_path() -> Path:
    """$XDG_STATE_HOME/gradsh/history (~/.local/state/gradsh/history by default)."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "gradsh" / "history"


class _SavedHistory(FileHistory):
    """FileHistory that says once, and only once, that it cannot write, and keeps the session going."""

    def __init__(self, filename: str, warn: Callable[[str], None]) -> None:
        super().__init__(filename)
        self._warn: Callable[[str], None] | None = warn

    def store_string(self, string: str) -> None:
        try:
            super().store_string(string)
        except OSError as exc:
            if self._warn is not None:
                self._warn(f"gradsh: history is not saved: cannot write {self.filename} ({exc.strerror or exc})")
                self._warn = None


def _history(warn: Callable[[str], None]) -> History:
    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        if not os.access(path, os.W_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as exc:
        warn(f"gradsh: history is kept for this session only: cannot write {path} ({exc.strerror or exc})")
        return InMemoryHistory()
    return _SavedHistory(str(path), warn)


def create_session(repl: Repl, vi: bool = False, history: History | None = None, **io: Any) -> PromptSession:
    """The PromptSession for `repl`; `io` takes input=/output= (tests pass a pipe input and a DummyOutput)."""
    flags = {"vi": vi}

    def switch(to_vi: bool) -> None:
        flags["vi"] = to_vi

    session: PromptSession = PromptSession(
        message=[("class:prompt", ">>> ")],
        multiline=True,
        prompt_continuation=lambda width, line, wrap: [("class:prompt", "... ")],
        lexer=PygmentsLexer(PythonLexer),
        completer=NamespaceCompleter(lambda: repl.namespace),
        complete_while_typing=False,
        auto_suggest=AutoSuggestFromHistory(),
        enable_history_search=True,
        history=history if history is not None else _history(repl.printer.error),
        key_bindings=bindings(switch),
        editing_mode=EditingMode.VI if vi else EditingMode.EMACS,
        bottom_toolbar=lambda: toolbar(
            repl.mode, session.default_buffer.document.text_before_cursor, repl.backend, repl.report, flags["vi"],
            repl.flags,
        ),
        style=STYLE,
        **io,
    )
    return session


def banner(backend: str) -> str:
    import gradsh

    if backend == "torch":
        from importlib.metadata import version

        what = f"real PyTorch {version('torch')} (--backend torch)"
    else:
        what = "gradsh's own autograd engine (gradsh.torch); `gradsh repl --backend torch` for real PyTorch"
    return f"gradsh {gradsh.__version__}: torch is imported, and is {what}\n%help for commands, Ctrl-D to leave"


def run_prompt(repl: Repl, vi: bool = False, session: PromptSession | None = None) -> int:
    """Read and run inputs until Ctrl-D (or end of input); exit status 0."""
    # Written directly, not through rich: importing rich would delay the first prompt by ~0.1 s.
    repl.printer.out.write(banner(repl.backend) + "\n")
    repl.printer.out.flush()
    prompt = session or create_session(repl, vi)
    started = []

    def start_engine() -> None:
        # Called as the application starts; call_soon runs after its first drawing, so the engine's
        # import (numpy, gradsh.torch) happens while the user reads the prompt, not before it.
        if not started:
            started.append(True)
            asyncio.get_running_loop().call_soon(repl.start, True)

    try:
        while True:
            try:
                text = prompt.prompt(pre_run=start_engine)
            except KeyboardInterrupt:
                continue  # Ctrl-C while typing: the input is dropped, the session stays
            except EOFError:
                return 0
            try:
                repl.handle(text)
            except KeyboardInterrupt:
                repl.printer.error("KeyboardInterrupt")  # outside an input's own run (printing, a %command)
    finally:
        repl.close()
