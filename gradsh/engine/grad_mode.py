"""Grad mode and inference mode: two per-thread flags, and the four managers that write them.

The managers mirror PyTorch's class layout (names, signatures, single save slot), because
several observable behaviours — argument errors, bare-decorator forms, what nesting one object
in itself does — fall out of that layout (spec/semantics.md §2, §3, §16).
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
import warnings
from collections.abc import Callable
from typing import Any


class _ModeState(threading.local):
    # Class attributes are each thread's starting values: new threads inherit nothing.
    grad_enabled = True
    inference = False
    # Derived: operations are recorded only with grad on and inference off (read on the hot path).
    recording = True


state = _ModeState()
# every change of either flag, in any thread: an observer (gradsh's %why) tells from it that the mode
# changed while an input ran, inside calls it cannot see into
switches = [0]


def is_grad_enabled() -> bool:
    return state.grad_enabled


def is_inference_mode_enabled() -> bool:
    return state.inference


def _set_grad(enabled: bool) -> None:
    switches[0] += 1
    state.grad_enabled = enabled
    state.recording = enabled and not state.inference


def _set_both(grad: bool, inference: bool) -> None:
    switches[0] += 1
    state.grad_enabled = grad
    state.inference = inference
    state.recording = grad and not inference


_CLASS_WARNING = (
    "Decorating classes is deprecated and will be disabled in future versions. You should only decorate "
    "functions or methods. To preserve the current behavior of class decoration, you can directly decorate "
    "the `__init__` method and nothing else."
)


def _wrap_generator(make_ctx: Callable[[], Any], func: Callable) -> Callable:
    """Each stretch of the generator's own code runs under a fresh manager; the consumer runs in its own mode."""

    @functools.wraps(func)
    def generator_context(*args: Any, **kwargs: Any) -> Any:
        gen = func(*args, **kwargs)
        try:
            with make_ctx():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make_ctx():
                        gen.close()
                    raise
                except BaseException:  # noqa: BLE001 - anything thrown in goes on to the generator
                    with make_ctx():
                        response = gen.throw(*sys.exc_info()[1:2])
                else:
                    with make_ctx():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value

    return generator_context


def _context_decorator(make_ctx: Callable[[], Any], func: Any) -> Callable:
    if inspect.isgeneratorfunction(func):
        return _wrap_generator(make_ctx, func)

    @functools.wraps(func)
    def decorate_context(*args: Any, **kwargs: Any) -> Any:
        with make_ctx():
            return func(*args, **kwargs)

    return decorate_context


class _DecoratorContextManager:
    """Base of the managers: calling an instance with a function decorates it."""

    def __call__(self, orig_func: Any) -> Callable:
        if inspect.isclass(orig_func):
            warnings.warn(_CLASS_WARNING, FutureWarning, stacklevel=2)
            klass = orig_func
            orig_func = lambda *args, **kwargs: klass(*args, **kwargs)
        return _context_decorator(self.clone, orig_func)

    def __enter__(self) -> None:
        raise NotImplementedError

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> None:
        raise NotImplementedError

    def clone(self) -> _DecoratorContextManager:
        return self.__class__()


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """Allows the bare `@torch.no_grad` form: the class called with a function decorates it."""

    def __new__(cls, orig_func: Any = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = state.grad_enabled
        _set_grad(False)

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> None:
        _set_grad(self.prev)


class enable_grad(_NoParamDecoratorContextManager):
    def __enter__(self) -> None:
        self.prev = state.grad_enabled
        _set_grad(True)

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> None:
        _set_grad(self.prev)


class set_grad_enabled(_DecoratorContextManager):
    """Takes effect at construction, so a plain call works; exit restores the construction-time mode."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(
                f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not {type(mode).__name__}"
            )
        self.prev = state.grad_enabled
        self.mode = mode
        _set_grad(mode)

    def __call__(self, orig_func: Any) -> Callable:
        _set_grad(self.prev)
        return super().__call__(orig_func)

    def __enter__(self) -> None:
        _set_grad(self.mode)

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> None:
        _set_grad(self.prev)

    def __str__(self) -> str:
        return f"torch.autograd.grad_mode.set_grad_enabled(mode={self.mode})"

    __repr__ = __str__

    def clone(self) -> set_grad_enabled:
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """A bool is the mode; anything else given positionally is a function to decorate."""

    def __new__(cls, mode: Any = True) -> Any:
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev = (state.grad_enabled, state.inference)

    def __enter__(self) -> None:
        self.prev = (state.grad_enabled, state.inference)
        _set_both(not self.mode, self.mode)

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> None:
        _set_both(*self.prev)

    def clone(self) -> inference_mode:
        return self.__class__(self.mode)
