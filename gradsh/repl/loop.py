"""The eval/print loop over gradsh's one session model: each input runs in a transcript Session, as `gradsh run`
runs an example, and is noted (text, grad mode before and after, results) for %why, %save and %undo.

Nothing here imports prompt_toolkit: `run_script` serves a pipe, `run_prompt` (app.py) a terminal.
"""

from __future__ import annotations

import linecache
import threading
from typing import Any, TextIO

from gradsh.repl import inputs
from gradsh.repl.history import Entry, Statement
from gradsh.repl.printer import Printer
from gradsh.report.model import GradMode
from gradsh.report.text import prompted
from gradsh.transcript import autograd_state, gradreport
from gradsh.transcript.session import Session

# The inputs kept for %undo, %save and %why (each holds its outputs and grad report, ~10 KB): a session
# longer than this forgets its oldest inputs, and %undo, which replays from the start, then refuses.
MAX_ENTRIES = 1000


class Repl:
    """The session, the inputs it ran, and the settings %commands change."""

    def __init__(self, backend: str, printer: Printer, report: bool = True) -> None:
        self.backend = backend  # a module name: "gradsh.torch" or "torch"
        self.printer = printer
        self.report = report
        self.flags: list[str] = []  # modes beyond the grad mode, for the toolbar: anomaly mode, a dual level
        self.report_full = False  # %report full: every tensor of a long list, not its summary line
        self.entries: list[Entry] = []
        self.mode: GradMode | None = GradMode(True, False)  # after the last input, for the toolbar
        self._session: Session | None = None
        self._loader: threading.Thread | None = None
        self._load_error: BaseException | None = None
        self._rng_state: Any = None
        self._generation = 0  # bumped by %undo/%reset, so replayed inputs get fresh linecache entries
        self.forgotten = 0  # inputs dropped from the front of `entries` (bounded: MAX_ENTRIES)

    # --- the session -------------------------------------------------------------------------------
    def start(self, background: bool = False) -> None:
        """Make the session; in the background lets the first prompt appear while the engine imports."""
        if not background:
            self._new_session()
            return

        def load() -> None:
            try:
                self._new_session()
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread at first use
                self._load_error = exc

        self._loader = threading.Thread(target=load, name="gradsh-load", daemon=True)
        self._loader.start()

    @property
    def session(self) -> Session:
        if self._loader is not None:
            self._loader.join()
            self._loader = None
        if self._load_error is not None:
            raise self._load_error
        if self._session is None:
            self._new_session()
        assert self._session is not None
        return self._session

    @property
    def loaded(self) -> bool:
        return self._session is not None and self._loader is None

    @property
    def namespace(self) -> dict[str, Any]:
        return self.session.namespace

    @property
    def tensor_type(self) -> type:
        return self.session.torch.Tensor

    def _new_session(self) -> None:
        """A fresh session with `torch` imported, in the default grad mode, the random state as at first start."""
        if self._session is not None:
            self._session.close()
            self._session = None
        session = Session(self.backend)
        torch = session.torch
        session.namespace["torch"] = torch
        try:
            if torch.is_inference_mode_enabled():
                torch.inference_mode(False).__enter__()
            torch.set_grad_enabled(True)
            if self._rng_state is None:
                self._rng_state = torch.get_rng_state()
            else:
                torch.set_rng_state(self._rng_state)
        except AttributeError:
            pass  # a backend without these: the replay is as good as it can be
        session.run("", "<start>")  # the snapshot now holds nothing: `torch` is not a tensor
        self._session = session
        self.mode = gradreport.grad_mode(torch)
        self.flags = autograd_state.flags(torch)

    def close(self) -> None:
        if self._loader is not None:
            self._loader.join()
        if self._session is not None:
            self._session.close()

    # --- inputs ------------------------------------------------------------------------------------
    def handle(self, text: str) -> bool:
        """Run one input from the prompt: a %command, a pasted `>>>` block, or code. False if something raised.

        An error of gradsh's own (a bug in a %command, the report, ...) is shown and the session goes on."""
        try:
            return self._handle(text)
        except Exception as exc:  # noqa: BLE001 - the shell must outlive its own bugs; the user's session matters more
            self.printer.error(f"gradsh: internal error, the session goes on: {type(exc).__name__}: {exc}")
            return False

    def _handle(self, text: str) -> bool:
        if not text.strip():
            return True
        if text.lstrip().startswith("%"):
            from gradsh.repl import commands

            return commands.dispatch(self, text.strip())
        if inputs.is_pasted_block(text):
            ok = True
            for source in inputs.split_pasted(text):
                self.printer.info("\n".join(prompted(source)))
                ok = self.run_source(source).statements[-1].run.exception is None and ok
            return ok
        entry = self.run_source(text)
        return all(s.run.exception is None for s in entry.statements)

    def run_source(self, source: str, show: bool = True, first_line: int = 1, filename: str | None = None) -> Entry:
        """Run an input statement by statement (each as doctest runs an example); stop at the first exception.

        `filename`/`first_line` place it in a larger text already in linecache (a script on stdin)."""
        session = self.session
        number = self.forgotten + len(self.entries) + 1
        if filename is None:
            filename = f"<input {number}>" if not self._generation else f"<input {number}.{self._generation}>"
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        entry = Entry(number, source, [], gradreport.grad_mode(session.torch), None)
        for start, text in inputs.statements(source):
            run = session.run("\n" * (first_line + start - 2) + text, filename, interactive=True)
            entry.statements.append(Statement(text, run))
            if show:
                self.printer.execution(run, self.report, self.report_full)
            if run.exception is not None:
                break
        entry.mode_after = self.mode = gradreport.grad_mode(session.torch)
        self.flags = autograd_state.flags(session.torch)
        self.entries.append(entry)
        if len(self.entries) > MAX_ENTRIES:
            gone = self.entries[: len(self.entries) - MAX_ENTRIES]
            del self.entries[: len(gone)]
            self.forgotten += len(gone)
            for old in gone:
                linecache.cache.pop(f"<input {old.number}>", None)
                linecache.cache.pop(f"<input {old.number}.{self._generation}>", None)
        return entry

    def rewind(self, keep: list[Entry]) -> tuple[list[Entry], list[Entry]]:
        """A fresh session that replays `keep`'s inputs quietly, but for those that were interrupted or failed
        (replaying a Ctrl-C'd loop would run it again, to no end). Returns (inputs whose outcome changed on
        replay, inputs left out)."""
        self._generation += 1
        self.entries = []
        self.forgotten = 0
        self._new_session()
        changed, skipped = [], []
        for old in keep:
            if old.interrupted or any(s.run.exception is not None for s in old.statements):
                skipped.append(old)
                continue
            new = self.run_source(old.source, show=False)
            if [s.run.shown for s in new.statements] != [s.run.shown for s in old.statements]:
                changed.append(new)
        return changed, skipped

    def run_script(self, stream: TextIO) -> int:
        """A script from a pipe, shown plainly: each top-level statement (or pasted example) is an input,
        a line starting with % a command. Exit status 1 if any input raised, else 0."""
        text = stream.read()
        if inputs.is_pasted_block(text):
            results = [self.handle(source) for source in inputs.split_pasted(text)]
            return 0 if all(results) else 1
        linecache.cache["<stdin>"] = (len(text), None, text.splitlines(True), "<stdin>")
        ok = True
        chunk: list[str] = []
        chunk_start = 1
        for number, line in enumerate(text.split("\n") + ["%"], start=1):
            if not line.startswith("%"):
                chunk.append(line)
                continue
            for start, source in inputs.statements("\n".join(chunk) + "\n"):
                if source.strip():
                    entry = self.run_source(source, first_line=chunk_start + start - 1, filename="<stdin>")
                    ok = all(s.run.exception is None for s in entry.statements) and ok
            chunk, chunk_start = [], number + 1
            if line.strip() != "%":
                ok = self.handle(line) and ok
        return 0 if ok else 1
