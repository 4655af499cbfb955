"""A stand-in for `torch` with just enough to exercise the doctest harness without the engine."""

import threading
import warnings

_enabled = True


def is_grad_enabled() -> bool:
    return _enabled


def set_grad_enabled(mode: bool) -> None:
    global _enabled
    _enabled = mode


class no_grad:  # torch spells it so
    def __enter__(self) -> None:
        self.prev = is_grad_enabled()
        set_grad_enabled(False)

    def __exit__(self, *exc: object) -> None:
        set_grad_enabled(self.prev)


def boom() -> None:
    raise RuntimeError("boom")


def warn_and_return(value: int) -> int:
    warnings.warn("careful", UserWarning)
    return value


def hang() -> None:
    # Stands for an engine bug that blocks forever, e.g. on a thread that never signals.
    threading.Event().wait()
