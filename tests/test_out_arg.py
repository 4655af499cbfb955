"""`out=` on the torch.* functions of declared ops: PyTorch's signature, casting, resizing and autograd rules."""

from __future__ import annotations

import inspect
import warnings

import pytest

from gradsh import torch as gt


def _scenarios(T):
    """Each scenario returns what it printed, so both engines can be compared line by line."""

    def requires_grad_input():
        a = T.ones(2, requires_grad=True)
        return T.add(a, a, out=T.empty(2))

    def resized():
        c = T.zeros(3)
        r = T.add(T.ones(2), 1, out=c)
        return r is c, c, c._version

    def cast_refused():
        return T.add(T.ones(2), 1, out=T.zeros(2, dtype=T.long))

    def cast_up():
        return T.add(T.ones(2), 1, out=T.zeros(2, dtype=T.float64))

    def empty_out():
        return T.tanh(T.ones(2, 2), out=T.empty(0))

    def under_no_grad():
        a = T.ones(2, requires_grad=True)
        with T.no_grad():
            return T.add(a, a, out=T.empty(2))

    def into_its_input():
        x = T.ones(2)
        T.tanh(x, out=x)
        return x

    def keywords_only():
        return T.matmul(input=T.ones(2, 2), other=T.ones(2), out=T.empty(2)), T.cat([T.ones(2)], out=T.empty(0))

    def a_string_as_out():
        return T.add(T.ones(2), 1, out="x")

    def out_requires_grad():
        return T.add(T.ones(2), 1, out=T.empty(2, requires_grad=True))

    def factories_take_outs_dtype():
        T.manual_seed(0)
        return (T.randn(2, out=T.empty(3, dtype=T.float64)), T.zeros(2, out=T.empty(2, dtype=T.int64)),
                T.arange(4, out=T.empty(0, dtype=T.int32)), T.linspace(0, 1, 3, out=T.empty(3, dtype=T.float64)),
                T.eye(2, out=T.empty(0, dtype=T.int64)), T.randint(0, 5, (3,), out=T.empty(0, dtype=T.int32)),
                T.randperm(4, out=T.empty(0)))

    def arange_warns_when_it_resizes():
        return T.arange(2, out=T.empty(3)), T.zeros(2, out=T.empty(3))

    def factory_out_requires_grad():
        return T.ones(2, out=T.empty(2, requires_grad=True))

    def pin_memory_refused():
        return T.zeros(2, pin_memory=True)

    return [factories_take_outs_dtype, arange_warns_when_it_resizes, factory_out_requires_grad, pin_memory_refused,
            requires_grad_input, resized, cast_refused, cast_up, empty_out, under_no_grad, into_its_input,
            keywords_only, a_string_as_out, out_requires_grad]


def _outcome(scenario) -> tuple:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            shown = repr(scenario())
        except Exception as e:  # noqa: BLE001 - the error is the outcome
            shown = f"{type(e).__name__}: {e}"
    return shown, [str(w.message) for w in caught]


def test_out_is_written_and_returned() -> None:
    c = gt.empty(2)
    assert gt.mul(gt.ones(2), 3, out=c) is c
    assert c.tolist() == [3.0, 3.0] and c._version == 1


def test_a_number_as_out_becomes_a_tensor_of_its_widest_dtype() -> None:
    # PyTorch's parser does this (and warns about the resize twice; gradsh once)
    with pytest.warns(UserWarning, match="was resized since it had shape"):
        assert gt.add(gt.ones(2), 1, out=5.0).dtype is gt.float64


def test_out_refuses_autograd_while_grad_mode_records() -> None:
    a = gt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^add\(\): functions with out=\.\.\. arguments don't support"):
        gt.add(a, 1, out=gt.empty(2))


def test_out_is_keyword_only_in_the_signature() -> None:
    params = inspect.signature(gt.add).parameters
    assert list(params) == ["input", "other", "alpha", "out"]
    assert params["out"].kind is inspect.Parameter.KEYWORD_ONLY
    with pytest.raises(TypeError, match=r"^add\(\) got an unexpected keyword argument 'foo'$"):
        gt.add(gt.ones(1), 1, foo=1)


@pytest.mark.parity
@pytest.mark.parametrize("index", range(len(_scenarios(gt))))
def test_out_as_pytorch_does_it(index: int) -> None:
    real = pytest.importorskip("torch")
    assert _outcome(_scenarios(gt)[index]) == _outcome(_scenarios(real)[index])
