"""One session model: examples run one after another in a namespace where `import torch` is the backend.

Used by `gradsh run`, `gradsh check`, the pytest plugin and the REPL. Per example it captures
what doctest would compare (printed output and displayed values, or the exception line), and
beside it what doctest does not check: warnings, stderr, and the grad report.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import io
import linecache
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from typing import Any, Self

from gradsh.report import graph_capture
from gradsh.report.model import ExceptionInfo, GradReport
from gradsh.transcript import gradreport, touched
from gradsh.transcript.backend import DEFAULT_BACKEND, bind_torch, is_bound, restore_torch, torch_modules

TRACEBACK_HEADER = "Traceback (most recent call last):\n"


class ExampleTimeout(BaseException):
    """Raised inside an example that ran past --timeout (a BaseException, so `except Exception` cannot eat it)."""


@dataclasses.dataclass
class Execution:
    """What running one example did."""

    got: str  # printed output and displayed values, as doctest collects them
    exc_msg: str | None  # doctest's exception line(s) ("RuntimeError: ...\n"); None when nothing was raised
    exception: ExceptionInfo | None
    displayed: list[str]  # reprs the display hook showed, in order
    warnings: list[str]
    stderr: str
    report: GradReport
    timed_out: bool
    duration: float
    traceback: str = ""  # interactive runs only: the traceback as Python prints it, user frames only
    mode_switches: int | None = None  # grad-mode changes while it ran, calls included (None: the backend cannot tell)

    @property
    def interrupted(self) -> bool:
        return self.exception is not None and self.exception.type == "KeyboardInterrupt"

    @property
    def shown(self) -> str:
        """The output to show a reader: printed text, then an exception as doctest's short traceback."""
        if self.exc_msg is None:
            return self.got
        return self.got + TRACEBACK_HEADER + "    ...\n" + self.exc_msg


class _Stream(io.StringIO):
    """A captured stream an example may close (`sys.stdout.close()`): writes then fail as on a real closed
    file, but what was written before stays readable for the report."""

    _shut = False

    def close(self) -> None:
        self._shut = True

    @property
    def closed(self) -> bool:
        return self._shut

    def write(self, text: str) -> int:
        if self._shut:
            raise ValueError("I/O operation on closed file.")
        return super().write(text)


class _Capture(_Stream):
    def getvalue(self) -> str:
        # As doctest's _SpoofOut: anything written ends with a newline.
        text = super().getvalue()
        return text + "\n" if text and not text.endswith("\n") else text


def _exc_msg(exc_type: type[BaseException], exc: BaseException) -> str:
    # doctest's own rule: the last lines of format_exception_only (for SyntaxError, from its message on).
    lines = traceback.format_exception_only(exc_type, exc)
    if issubclass(exc_type, SyntaxError):
        prefixes = (f"{exc_type.__qualname__}:", f"{exc_type.__module__}.{exc_type.__qualname__}:")
        lines = lines[next((i for i, line in enumerate(lines) if line.startswith(prefixes)), 0) :]
    return "".join(lines)


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _user_traceback(exc: BaseException) -> str:
    """The traceback as Python's REPL prints it, without gradsh's own frames (session, engine, facade)."""
    if isinstance(exc, SyntaxError) and exc.__traceback__ is not None and _only_gradsh(exc.__traceback__):
        return "".join(traceback.format_exception_only(type(exc), exc))  # the input itself did not compile
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(_PACKAGE_DIR)]
    text = "".join(traceback.format_list(frames))
    return TRACEBACK_HEADER + text + "".join(traceback.format_exception_only(type(exc), exc))


def _only_gradsh(tb: Any) -> bool:
    return all(f.filename.startswith(_PACKAGE_DIR) for f in traceback.extract_tb(tb))


def _type_name(exc_type: type[BaseException]) -> str:
    module = exc_type.__module__
    return exc_type.__qualname__ if module in ("builtins", "__main__") else f"{module}.{exc_type.__qualname__}"


def _pytorch_call_error(exc: TypeError) -> TypeError | None:
    """gradsh's ops leave argument binding to Python; the engine rewords its TypeError as PyTorch's."""
    from gradsh.engine.call_errors import pytorch_call_error

    return pytorch_call_error(exc)


def _pytorch_broadcast_error(exc: ValueError) -> RuntimeError | None:
    """numpy checks the broadcasting of gradsh's operands; the engine rewords its ValueError as PyTorch's."""
    from gradsh.engine.broadcast_errors import pytorch_broadcast_error

    return pytorch_broadcast_error(exc)


def _change_log(tensor_type: type | None) -> Any:
    """gradsh's engine logs which tensors change (gradsh.engine.changes); real PyTorch has no such log."""
    if tensor_type is None or tensor_type.__module__ != "gradsh.engine.tensor":
        return None
    from gradsh.engine import changes

    return changes


class Session:
    """A namespace bound to a backend; `run` executes one example's source in it."""

    def __init__(
        self,
        backend: str = DEFAULT_BACKEND,
        timeout: float | None = None,
        grad_report: bool = True,
        interrupt_is_failure: bool = False,
        graphs: bool = False,
    ) -> None:
        """`interrupt_is_failure`: a KeyboardInterrupt the example raises is its failure, not the caller's
        (the file runners: in their child process Ctrl-C is the parent's business, so only the example raises it)."""
        self.backend = backend
        self._interrupt_is_failure = interrupt_is_failure
        # Bound already (a file's child process, forked bound): nothing to save, nothing to restore. Not
        # reading sys.modules there spares the child copying hundreds of pages it shares with its parent.
        self._saved_modules = None if is_bound(backend) else torch_modules()
        self.torch = bind_torch(backend)  # BackendError when it cannot be imported
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        self.timeout = timeout
        tensor_type = getattr(self.torch, "Tensor", None)
        self._tensor_type = tensor_type if grad_report and isinstance(tensor_type, type) else None
        self._changes = _change_log(self._tensor_type)
        self._gradsh_engine = getattr(tensor_type, "__module__", None) == "gradsh.engine.tensor"
        self._switches = None if self._changes is None else self._changes.mode_switches()
        self._tracker = gradreport.Tracker(self.namespace, self._tensor_type, self._changes and self._changes.Listener())
        self.incremental = True  # read after an example only the names it can change (touched.py)
        self.graphs = graphs  # capture each example's backward graph (for the replay page)

    def use_namespace(self, namespace: dict[str, Any]) -> None:
        """Run the next examples in `namespace` (a docstring's copy of its module's globals, as doctest does)."""
        self.namespace = namespace
        self._tracker = gradreport.Tracker(namespace, self._tensor_type)

    def close(self) -> None:
        """Unbind `torch`: sys.modules gets back the torch entries it had before this session."""
        if self._saved_modules is not None:
            restore_torch(self._saved_modules)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(
        self, source: str, filename: str = "<example>", ipython: bool = False, interactive: bool = False
    ) -> Execution:
        """Run one example. `interactive` (the REPL): Ctrl-C ends the example, not the session, and the
        result carries a traceback naming the user's lines (registered with linecache under `filename`,
        unless the caller registered the whole input there already)."""
        if interactive and filename not in linecache.cache:
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        out, err = _Capture(), _Stream()
        displayed: list[str] = []
        caught: list[str] = []

        def display(value: object) -> None:
            if value is None:
                return
            builtins._ = None  # as sys.__displayhook__: `_` is not itself while repr runs
            text = repr(value)
            out.write(text + "\n")
            displayed.append(text)
            builtins._ = value

        def show_warning(message: Warning | str, category: type[Warning], *rest: object, **kw: object) -> None:
            caught.append(f"{category.__name__}: {message}")

        mode_before = gradreport.grad_mode(self.torch)
        switches = self._mode_switches()
        scope = None
        if self.incremental and self._tensor_type is not None:
            callbacks = self._changes is None or self._changes.callbacks_possible()
            scope = touched.reach(source, self.namespace, self._tensor_type, callbacks)
        saved = sys.stdout, sys.stderr, sys.displayhook
        exc_info: tuple[type[BaseException], BaseException] | None = None
        timed_out = False
        start = time.perf_counter()
        alarm = self._arm()
        try:
            with warnings.catch_warnings():
                warnings.showwarning = show_warning
                sys.stdout, sys.stderr, sys.displayhook = out, err, display
                try:
                    self._execute(source, filename, ipython, display)
                except ExampleTimeout:
                    timed_out = True
                except KeyboardInterrupt as exc:
                    if not (interactive or self._interrupt_is_failure):
                        raise
                    exc_info = (type(exc), exc)
                except BaseException as exc:  # noqa: BLE001 - doctest catches everything the example raises, SystemExit too
                    if type(exc) is TypeError and self._gradsh_engine:
                        exc = _pytorch_call_error(exc) or exc  # PyTorch's words for a call Python rejected
                    elif type(exc) is ValueError and self._gradsh_engine:
                        exc = _pytorch_broadcast_error(exc) or exc  # numpy checked the broadcast, in its words
                    exc_info = (type(exc), exc)
                finally:
                    if alarm:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                    sys.stdout, sys.stderr, sys.displayhook = saved
        finally:
            if alarm:
                signal.signal(signal.SIGALRM, alarm)
        duration = time.perf_counter() - start
        report = self._tracker.update(scope, (mode_before, gradreport.grad_mode(self.torch)))
        if self.graphs and self._tracker.changed:
            names, makers = self._tracker.graph_names()
            report.graph = graph_capture.capture(self._tracker.changed, names, makers=makers)
        exc_msg, info = None, None
        if timed_out:
            exc_msg = f"TimeoutError: the example ran longer than {self.timeout:g} s (--timeout) and was stopped\n"
            info = ExceptionInfo("TimeoutError", exc_msg.split(": ", 1)[1].rstrip("\n"))
        elif exc_info is not None:
            exc_msg = _exc_msg(*exc_info)
            info = ExceptionInfo(_type_name(exc_info[0]), str(exc_info[1]))
        shown_tb = _user_traceback(exc_info[1]) if interactive and exc_info is not None else ""
        after = self._mode_switches()
        return Execution(
            out.getvalue(), exc_msg, info, displayed, caught, err.getvalue(), report, timed_out, duration, shown_tb,
            None if switches is None or after is None else after - switches,
        )

    def _mode_switches(self) -> int | None:
        """gradsh's engine counts grad-mode changes (gradsh.engine.grad_mode.switches); real PyTorch does not."""
        return None if self._switches is None else self._switches[0]

    def _arm(self) -> Any:
        """Start the --timeout alarm (main thread, POSIX only); returns the handler to restore, or None."""
        if (
            not self.timeout
            or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()
        ):
            return None

        def on_alarm(signum: int, frame: object) -> None:
            raise ExampleTimeout()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        return previous or signal.SIG_DFL

    def _execute(self, source: str, filename: str, ipython: bool, display: Any) -> None:
        if not ipython:
            # As doctest: interactive mode, so every expression statement's value is displayed.
            exec(compile(source, filename, "single", 0, True), self.namespace)  # noqa: S102 - running examples is the job
            return
        # As IPython: the cell runs as a module and only a final expression's value is shown.
        tree = ast.parse(source, filename, "exec")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, filename, "exec", 0, True), self.namespace)  # noqa: S102
        if last is not None:
            value = eval(compile(ast.Expression(last.value), filename, "eval", 0, True), self.namespace)
            display(value)
