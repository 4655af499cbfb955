"""The in-place forms issue 10 added (eq_, bitwise_and_, squeeze_, cumsum_, addmm_, ...) against real PyTorch.

Each case runs the same code on torch and on gradsh.torch and compares what a user sees: the printed
result (values, dtype, grad_fn name), the version counter, whether the method returned the tensor
itself, the gradients that flow, and the error type and text. Skipped without torch.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pytest

from gradsh import torch as G

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.parity


def observe(T: Any, case: Callable) -> str:
    """What the case shows, as one string; an error is its type and text."""
    try:
        return case(T)
    except Exception as e:  # noqa: BLE001 - the error is the observation
        return f"{type(e).__name__}: {e}"


def _apply(method: str, *args: Any, make: Callable | None = None, grad: bool = False, **kwargs: Any) -> Callable:
    """t.method(*args) on a fresh tensor; records result, identity, version and (if grad) the leaf's gradient."""

    def case(T: Any) -> str:
        leaf, t = make(T)
        before = t._version
        out = getattr(t, method)(*(a(T) if callable(a) else a for a in args), **kwargs)
        seen = [repr(out), str(out is t), str(t._version - before), str(tuple(t.shape))]
        if grad:
            weights = T.arange(1.0, 1.0 + out.numel(), dtype=out.dtype).reshape(out.shape)
            (out * weights).sum().backward()
            seen.append(repr(leaf.grad))
        return " | ".join(seen)

    return case


def floats(T: Any) -> tuple:
    leaf = T.tensor([1.0, 2.0, 0.0, -3.5], requires_grad=True)
    return leaf, leaf * 1


def ints(T: Any) -> tuple:
    return None, T.tensor([6, 3, -7, 0])


def bools(T: Any) -> tuple:
    return None, T.tensor([True, False, True, False])


def column(T: Any) -> tuple:
    leaf = T.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    return leaf, leaf * 2


def cube(T: Any) -> tuple:
    leaf = T.arange(6.0).reshape(1, 6, 1).clone().requires_grad_()
    return leaf, leaf * 1


def flat(T: Any) -> tuple:
    leaf = T.arange(6.0, requires_grad=True)
    return leaf, leaf * 2


def square(T: Any) -> tuple:
    leaf = T.ones(2, 2, requires_grad=True)
    return leaf, leaf * 1


def leaf_only(shape: tuple) -> Callable:
    def make(T: Any) -> tuple:
        leaf = T.ones(*shape, requires_grad=True)
        return leaf, leaf

    return make


def other(values: list, requires_grad: bool = False, dtype: str = "float32") -> Callable:
    return lambda T: T.tensor(values, dtype=getattr(T, dtype), requires_grad=requires_grad)


CASES: dict[str, Callable] = {
    # comparisons: 1./0. in the target's dtype, recorded with a zero gradient
    "eq_ scalar": _apply("eq_", 2.0, make=floats, grad=True),
    "ne_ scalar": _apply("ne_", 2.0, make=floats, grad=True),
    "lt_ scalar": _apply("lt_", 1, make=floats, grad=True),
    "le_ scalar": _apply("le_", 1.0, make=floats, grad=True),
    "gt_ tensor": _apply("gt_", other([0.0, 2.0, 1.0, -4.0]), make=floats, grad=True),
    "ge_ tensor rg": _apply("ge_", other([0.0, 2.0, 1.0, -4.0], True), make=floats, grad=True),
    "eq_ int": _apply("eq_", 3, make=ints),
    "lt_ int by float": _apply("lt_", 2.5, make=ints),
    "eq_ bool": _apply("eq_", True, make=bools),
    "eq_ other rg, target not": _apply("eq_", other([1.0, 0.0, 0.0, 1.0], True), make=lambda T: (None, T.ones(4))),
    "gt_ leaf": _apply("gt_", 0.0, make=leaf_only((3,))),
    "eq_ broadcast refused": _apply("eq_", other([[1.0] * 4, [2.0] * 4]), make=floats),
    # logical: the target's dtype kept; nothing recorded (the old grad_fn stays, as in PyTorch)
    "logical_and_ float": _apply("logical_and_", other([1.0, 0.0, 1.0, 1.0]), make=floats, grad=True),
    "logical_or_ int": _apply("logical_or_", other([0, 0, 1, 0], dtype="int64"), make=ints),
    "logical_xor_ bool": _apply("logical_xor_", other([True, True, False, False], dtype="bool"), make=bools),
    "logical_not_ float": _apply("logical_not_", make=floats, grad=True),
    "logical_not_ int": _apply("logical_not_", make=ints),
    "logical_and_ number refused": _apply("logical_and_", 1, make=ints),
    "logical_and_ leaf": _apply("logical_and_", other([1.0, 1.0, 1.0]), make=leaf_only((3,))),
    # bitwise
    "bitwise_and_ int": _apply("bitwise_and_", 5, make=ints),
    "bitwise_or_ int tensor": _apply("bitwise_or_", other([1, 2, 4, 8], dtype="int64"), make=ints),
    "bitwise_xor_ bool": _apply("bitwise_xor_", other([True, True, False, False], dtype="bool"), make=bools),
    "bitwise_not_ int": _apply("bitwise_not_", make=ints),
    "bitwise_not_ bool": _apply("bitwise_not_", make=bools),
    "bitwise_and_ float refused": _apply("bitwise_and_", 5, make=lambda T: (None, T.tensor([6.0, 3.0]))),
    "bitwise_not_ float refused": _apply("bitwise_not_", make=lambda T: (None, T.tensor([6.0, 3.0]))),
    "bitwise_and_ int by float refused": _apply("bitwise_and_", other([1.0, 2.0, 3.0, 4.0]), make=ints),
    "bitwise_or_ bool by int refused": _apply("bitwise_or_", other([1, 1, 1, 1], dtype="int64"), make=bools),
    # floor_divide_
    "floor_divide_ int": _apply("floor_divide_", 2, make=ints),
    "floor_divide_ float": _apply("floor_divide_", 2, make=lambda T: (None, T.tensor([7.0, -7.0, 0.5]))),
    "floor_divide_ int by float refused": _apply("floor_divide_", 2.5, make=ints),
    "floor_divide_ recorded": _apply("floor_divide_", 2, make=floats),
    "floor_divide_ leaf": _apply("floor_divide_", 2, make=leaf_only((2,))),
    # cumsum_ and addmm_
    "cumsum_ int": _apply("cumsum_", 0, make=ints),
    "cumsum_ float grad": _apply("cumsum_", 0, make=floats, grad=True),
    "cumsum_ negative dim": _apply("cumsum_", -1, make=square, grad=True),
    "cumsum_ dtype refused": _apply("cumsum_", 0, make=ints, dtype=torch.float32),
    "addmm_ grad": _apply("addmm_", other([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), other([[1.0, 0.5], [2.0, 1.0], [0.0, 3.0]]),
                          make=square, grad=True, beta=2, alpha=3),
    "addmm_ broadcast refused": _apply("addmm_", other([[1.0, 2.0, 3.0]] * 2), other([[1.0, 2.0]] * 3),
                                       make=lambda T: (None, T.ones(2))),
    "addmm_ leaf": _apply("addmm_", other([[1.0, 2.0]] * 2), other([[1.0, 2.0]] * 2), make=leaf_only((2, 2))),
    # shape changes in place
    "squeeze_ all": _apply("squeeze_", make=column, grad=True),
    "squeeze_ dim": _apply("squeeze_", 1, make=column, grad=True),
    "squeeze_ dims": _apply("squeeze_", (0, 2), make=cube, grad=True),
    "squeeze_ size-2 dim kept": _apply("squeeze_", 0, make=column, grad=True),
    "squeeze_ leaf": _apply("squeeze_", make=leaf_only((2, 1))),
    "unsqueeze_ front": _apply("unsqueeze_", 0, make=column, grad=True),
    "unsqueeze_ negative": _apply("unsqueeze_", -1, make=floats, grad=True),
    "unsqueeze_ untracked": _apply("unsqueeze_", 1, make=ints),
    "unsqueeze_ leaf": _apply("unsqueeze_", 0, make=leaf_only((2,))),
    "as_strided_ grad": _apply("as_strided_", (2, 2), (1, 2), make=flat, grad=True),
    "as_strided_ offset": _apply("as_strided_", (2, 2), (1, 2), 1, make=lambda T: (None, T.arange(6.0))),
    "as_strided_ leaf": _apply("as_strided_", (2,), (1,), make=leaf_only((4,))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_inplace_form_matches_torch(name: str) -> None:
    case = CASES[name]
    assert observe(G, case) == observe(torch, case)


def test_the_cases_exercise_both_outcomes() -> None:
    """Errors and successes both appear: a harness that always errors would otherwise pass."""
    seen = [observe(torch, c) for c in CASES.values()]
    assert sum("Error:" in s for s in seen) >= 10
    assert sum("Error:" not in s for s in seen) >= 30


# ----- views, operators -------------------------------------------------------------------------------

def _through_view(method: str, *args: Any) -> Callable:
    def case(T: Any) -> str:
        leaf = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        base = leaf * 1
        v = base[0]
        getattr(v, method)(*args)
        (base * T.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        return " | ".join((repr(base), repr(v), str(v._base is base), repr(leaf.grad)))

    return case


@pytest.mark.parametrize("method,args", [("gt_", (1.5,)), ("eq_", (2.0,)), ("logical_not_", ()),
                                         ("cumsum_", (0,))])
def test_value_changes_through_a_view_rebase_the_base(method: str, args: tuple) -> None:
    case = _through_view(method, *args)
    assert observe(G, case) == observe(torch, case)


def _shape_change_on_view(method: str, *args: Any) -> Callable:
    def case(T: Any) -> str:
        leaf = T.ones(2, 1, requires_grad=True)
        base = leaf * 3
        v = base[:]
        before = v._version
        getattr(v, method)(*args)
        (v * T.arange(1.0, 1.0 + v.numel()).reshape(v.shape)).sum().backward()
        return " | ".join((repr(v), str(v._version - before), str(tuple(base.shape)), str(v._base is base),
                           repr(leaf.grad)))

    return case


@pytest.mark.parametrize("method,args", [("squeeze_", ()), ("squeeze_", (1,)), ("unsqueeze_", (0,))])
def test_shape_changes_on_a_view(method: str, args: tuple) -> None:
    case = _shape_change_on_view(method, *args)
    assert observe(G, case) == observe(torch, case)


def test_shape_change_on_a_view_of_a_leaf_is_refused() -> None:
    def case(T: Any) -> str:
        v = T.ones(2, 1, requires_grad=True)[:]
        v.squeeze_()
        return repr(v)

    assert observe(G, case) == observe(torch, case)
    assert "view of a leaf Variable" in observe(G, case)


def test_squeezed_tensor_keeps_its_memory() -> None:
    def case(T: Any) -> str:
        base = T.zeros(3, 1)
        alias = base[:, 0]
        base.squeeze_()
        base.add_(1)
        return repr(alias) + repr(base)

    assert observe(G, case) == observe(torch, case)


def _written_after_shape_change(T: Any) -> str:
    flat = T.arange(6.0)
    flat.as_strided_((2, 2), (1, 2), 1)
    flat.add_(1)
    t = T.zeros(2, 1)
    t.unsqueeze_(0)
    t.fill_(3)
    t.squeeze_()
    t.mul_(2)
    base = T.arange(6.0)
    window = base[1:]
    window.as_strided_((2, 2), (1, 2))
    window.mul_(10)
    return " | ".join((repr(flat), repr(t), repr(window), repr(base), str(window._version)))


def test_a_tensor_is_written_after_its_shape_changed_in_place() -> None:
    assert observe(G, _written_after_shape_change) == observe(torch, _written_after_shape_change)


@pytest.mark.parametrize("operator_name", ["iand", "ior", "ixor", "ifloordiv", "imod", "ilshift"])
def test_inplace_operators(operator_name: str) -> None:
    """`t &= 3`, `t //= 2`, ...: the tensor itself is updated (Python's operator.iand is `&=`)."""

    def case(T: Any) -> str:
        t = T.tensor([7, -7, 12])
        out = getattr(operator, operator_name)(t, 3)
        return f"{out!r} {out is t} {t._version}"

    assert observe(G, case) == observe(torch, case)
