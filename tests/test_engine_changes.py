"""The engine's change log (gradsh/engine/changes.py): what the grad report relies on to read only changed tensors."""

from gradsh import torch
from gradsh.engine import changes


def _counter(t) -> int:
    return id(t._vc)


def test_each_kind_of_change_is_logged_under_the_tensors_version_counter() -> None:
    log = changes.Listener()
    try:
        x = torch.ones(2, requires_grad=True)
        y = torch.zeros(2)
        assert log.take() == set()  # making tensors changes nothing that existed
        y.add_(1)
        assert log.take() == {_counter(y)}
        view = y[:1]
        view.mul_(2)  # a view shares its base's counter: one entry covers both
        assert log.take() == {_counter(y)}
        (x * 2).sum().backward()
        assert _counter(x) in log.take()
        g = x.grad
        (x * 2).sum().backward()  # accumulated in place: the grad tensor itself changed too
        assert {_counter(x), _counter(g)} <= log.take()
        y.requires_grad_()
        assert log.take() == {_counter(y)}
        x.grad = None
        assert log.take() == {_counter(x)}
        handle = x.register_hook(lambda grad: grad)
        assert log.take() == {_counter(x)}
        handle.remove()
        assert -1 in log.take()  # a removed hook cannot be tied to its tensor: everything may have changed
        with torch.no_grad():
            torch.add(y, 1, out=y)
        assert log.take() == {_counter(y)}
        x.detach().zero_()  # detach shares the counter, as in PyTorch
        assert log.take() == {_counter(x)}
    finally:
        log.close()


def _listening() -> int:
    import gc

    gc.collect()  # sessions of other tests that were not closed stop listening when collected
    return len(changes._listeners)


def test_listeners_are_independent_and_stop_when_closed() -> None:
    y = torch.zeros(2)
    before = _listening()
    first, second = changes.Listener(), changes.Listener()
    try:
        y.add_(1)
        assert first.take() == {_counter(y)}
        assert second.take() == {_counter(y)}  # the first's take does not empty the second's log
    finally:
        first.close()
        second.close()
    assert _listening() == before


def test_a_forgotten_listener_stops_listening() -> None:
    before = _listening()
    changes.Listener()
    assert _listening() == before


def test_the_engine_says_when_backward_may_run_user_code() -> None:
    before = changes.callbacks[0]
    try:
        changes.callbacks[0] = False

        class Twice(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad * 2

        assert changes.callbacks[0]
    finally:
        changes.callbacks[0] = before
