"""Grad-mode rules: thread locality, decorators (functions, generators, classes), exceptions, nesting."""

from __future__ import annotations

import inspect
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest

from gradsh import torch


@pytest.fixture(autouse=True)
def _restore_modes():
    yield
    torch.set_grad_enabled(True)
    assert not torch.is_inference_mode_enabled()


def _in_thread(fn):
    box = {}
    th = threading.Thread(target=lambda: box.setdefault("v", fn()))
    th.start()
    th.join(10)
    assert not th.is_alive()
    return box["v"]


def test_new_threads_start_with_grad_on_and_inference_off():
    with torch.no_grad():
        assert _in_thread(torch.is_grad_enabled) is True
    with torch.inference_mode():
        assert _in_thread(lambda: (torch.is_grad_enabled(), torch.is_inference_mode_enabled())) == (True, False)


def test_plain_call_in_another_thread_does_not_leak():
    def off():
        torch.set_grad_enabled(False)
        return torch.is_grad_enabled()

    assert _in_thread(off) is False
    assert torch.is_grad_enabled() is True
    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(lambda _: torch.is_grad_enabled(), range(4))) == [True] * 4


def test_graph_built_in_one_thread_backpropagates_in_another():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = _in_thread(lambda: (x * 3).sum())
    y.backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_decorated_generator_applies_mode_only_to_its_own_code():
    seen = []

    @torch.no_grad()
    def gen():
        seen.append(torch.is_grad_enabled())
        got = yield 1
        seen.append((torch.is_grad_enabled(), got))
        yield 2
        return "done"

    assert inspect.isgeneratorfunction(gen)
    g = gen()
    assert seen == []  # nothing runs before the first next()
    assert next(g) == 1
    assert torch.is_grad_enabled() is True  # the consumer keeps its mode between resumptions
    assert g.send("hello") == 2
    with pytest.raises(StopIteration) as stop:
        next(g)
    assert stop.value.value == "done"
    assert seen == [False, (False, "hello")]


def test_decorated_generator_close_and_throw_run_under_its_mode():
    log = []

    @torch.no_grad()
    def gen():
        try:
            yield 1
        except KeyError:
            log.append(("caught", torch.is_grad_enabled()))
            yield 2
        finally:
            log.append(("finally", torch.is_grad_enabled()))

    g = gen()
    next(g)
    assert g.throw(KeyError("k")) == 2
    g.close()
    assert log == [("caught", False), ("finally", False)]
    assert torch.is_grad_enabled()


def test_exception_inside_with_restores_mode_and_propagates():
    with pytest.raises(ValueError, match="boom"):
        with torch.no_grad():
            raise ValueError("boom")
    assert torch.is_grad_enabled()
    with pytest.raises(KeyboardInterrupt):
        with torch.inference_mode():
            raise KeyboardInterrupt
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()


def test_exception_in_decorated_function_restores_caller_mode():
    @torch.enable_grad()
    def fails():
        assert torch.is_grad_enabled()
        raise RuntimeError("inner")

    with torch.no_grad():
        with pytest.raises(RuntimeError, match="inner"):
            fails()
        assert torch.is_grad_enabled() is False


def test_nearest_block_wins_and_plain_call_lasts_to_end_of_block():
    with torch.no_grad():
        with torch.enable_grad():
            assert torch.is_grad_enabled()
            torch.set_grad_enabled(False)
            assert not torch.is_grad_enabled()
        assert not torch.is_grad_enabled()  # back to the no_grad block's setting
        torch.set_grad_enabled(True)
        assert torch.is_grad_enabled()
    assert torch.is_grad_enabled()


def test_one_no_grad_object_nested_in_itself_leaves_grad_off():
    ng = torch.no_grad()
    with ng:
        with ng:
            pass
    assert torch.is_grad_enabled() is False


def test_set_grad_enabled_restores_its_construction_time_mode():
    torch.set_grad_enabled(False)
    ctx = torch.set_grad_enabled(True)  # takes effect at once, remembers False
    torch.set_grad_enabled(True)
    with ctx:
        assert torch.is_grad_enabled()
    assert torch.is_grad_enabled() is False
    assert repr(ctx) == "torch.autograd.grad_mode.set_grad_enabled(mode=True)"


def test_inference_mode_false_turns_grad_on_even_under_no_grad():
    with torch.no_grad():
        with torch.inference_mode(False):
            assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
        assert not torch.is_grad_enabled()


def test_enable_grad_inside_inference_mode_records_nothing():
    x = torch.ones(2, requires_grad=True)
    with torch.inference_mode():
        with torch.enable_grad():
            assert torch.is_grad_enabled()
            y = x * 2
    assert y.grad_fn is None and not y.requires_grad and y.is_inference()


@pytest.mark.parametrize("bad, name", [(1, "int"), (None, "NoneType"), ("yes", "str"), (print, "builtin_function_or_method")])
def test_set_grad_enabled_refuses_non_bools(bad, name):
    with pytest.raises(TypeError, match=rf"must be bool, not {name}$"):
        torch.set_grad_enabled(bad)


def test_argument_errors_match_pytorch_signatures():
    with pytest.raises(TypeError, match=r"no_grad.__init__\(\) takes 1 positional argument but 2 were given"):
        torch.no_grad(None)
    with pytest.raises(TypeError, match=r"_DecoratorContextManager.__call__\(\) missing 1 required positional"):
        torch.no_grad()()
    with pytest.raises(TypeError, match=r"inference_mode.__new__\(\) takes from 1 to 2 positional arguments"):
        torch.inference_mode(True, False)
    with pytest.raises(TypeError, match="does not support the context manager protocol"):
        with torch.no_grad:
            pass


def test_bare_decorators_and_metadata():
    @torch.no_grad
    def f(a, b=2):
        """doc"""
        return torch.is_grad_enabled()

    assert f(1) is False
    assert f.__name__ == "f" and f.__doc__ == "doc" and inspect.signature(f).parameters["b"].default == 2
    assert callable(torch.enable_grad(True)) and type(torch.enable_grad(None)).__name__ == "enable_grad"


def test_decorating_a_class_warns_and_returns_a_function():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        @torch.no_grad()
        class Model:
            def __init__(self):
                self.mode = torch.is_grad_enabled()

    assert caught and caught[0].category is FutureWarning
    assert "Decorating classes is deprecated" in str(caught[0].message)
    assert Model.__name__ == "<lambda>" and not inspect.isclass(Model)
    assert Model().mode is False
