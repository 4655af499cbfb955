"""vmap's batched tensors: the batch dimension carried beside a plain tensor, one level per vmap.

A `BatchedTensor` is what the function under vmap sees: a tensor of the per-sample (logical) shape
whose values live in `_phys`, a tensor with one more dimension (`_bdim`) holding the samples. While
vmap runs every declared op is wrapped (op_intercept.py): an op given a batched tensor runs its
batching rule (vmap_rules.py), which calls ordinary ops once on the physical tensors and moves the
batch dimension as PyTorch's rules do, so the graph recorded is PyTorch's (`SinBackward0`, ...).
An op without a rule runs once per sample and the results are stacked (PyTorch's slow fallback).

Nested vmaps nest the wrappers: the physical tensor of a level-2 batched tensor is a level-1 batched
tensor, and a rule's calls on it go through the level-1 rules in turn.

A batched tensor refuses what PyTorch's refuses: `.item()` (and float()/int()), use in control flow
(bool()), its storage (`.tolist()`, `.numpy()`), and an in-place op that would write per-sample
values into a tensor shared by all samples.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import op_intercept
from .tensor import Tensor

ITEM = (
    "vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over calling .item() on a "
    "Tensor, please try to rewrite what you're doing with other operations. If error is occurring somewhere inside "
    "PyTorch internals, please file a bug report."
)
CONTROL_FLOW = (
    "vmap: It looks like you're attempting to use a Tensor in some data-dependent control flow. We don't support "
    "that yet, please file an issue at https://github.com/pytorch/pytorch/issues ."
)
NO_STORAGE = "Cannot access data pointer of Tensor that doesn't have storage"

_sizes: list[int] = []  # the batch size of each open level (level n is _sizes[n - 1])
_patched: op_intercept.Patch = []
_entry_points: dict[int, Callable] = {}  # an op's own function -> its vmap entry point, while vmap runs


def entry_point(func: Callable) -> Callable:
    """`vmap(torch.sin)` names the op's own function, taken before vmap wrapped it: its wrapped form."""
    return _entry_points.get(id(func), func)


class BatchedTensor(Tensor):
    """A tensor of the per-sample shape whose samples are the slices of `_phys` along `_bdim`."""

    __slots__ = ("_bdim", "_lvl", "_phys")

    def __repr__(self) -> str:
        inner = "\n".join("    " + line for line in repr(self._phys).splitlines())
        return f"BatchedTensor(lvl={self._lvl}, bdim={self._bdim}, value=\n{inner}\n)"

    __str__ = __repr__

    # PyTorch's BatchedTensor has no autograd meta of its own: the graph lives on the physical tensor
    @property
    def requires_grad(self) -> bool:
        return False

    @property
    def grad_fn(self) -> None:
        return None

    @property
    def is_leaf(self) -> bool:
        return True

    def requires_grad_(self, requires_grad: Any = True) -> Tensor:
        physical(self).requires_grad_(requires_grad)
        return self

    def item(self) -> Any:
        raise RuntimeError(ITEM)

    __float__ = __int__ = __index__ = __complex__ = item

    def __bool__(self) -> bool:
        raise RuntimeError(CONTROL_FLOW)

    def tolist(self) -> Any:
        raise RuntimeError(NO_STORAGE)

    def numpy(self, *, force: bool = False) -> np.ndarray:
        raise RuntimeError(NO_STORAGE)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise RuntimeError(NO_STORAGE)

    def __iter__(self) -> Iterator:
        return iter(self.unbind(0))


def wrap(phys: Tensor, bdim: int, lvl: int) -> BatchedTensor:
    """The batched tensor at level `lvl` whose samples are `phys`'s slices along `bdim`."""
    t = object.__new__(BatchedTensor)
    t._phys = phys
    t._bdim = bdim
    # a read-only stand-in of the logical shape: what the Tensor attributes that are not ops read
    refresh(t)
    t.dtype = phys.dtype
    t._rg = False
    t._grad_fn = None
    t._grad = None
    t._vc = [0]
    t._base = None
    t._output_nr = 0
    t._accum = None
    t._inference = False
    t._extra = None
    t._lvl = lvl
    return t


class _NoValues:
    """A batched tensor's `_data`: the logical shape and dtype, and no values to compute with.

    An op reached without its vmap entry point (a function bound before vmap wrapped the ops) would
    compute on `_data`: anything past the shape raises instead, so the mistake is an error, not a wrong value.
    """

    __slots__ = ("dtype", "ndim", "shape", "size")

    def __init__(self, shape: tuple, dtype: np.dtype) -> None:
        self.shape = shape
        self.ndim = len(shape)
        self.size = int(np.prod(shape, dtype=np.int64))
        self.dtype = dtype

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(UNWRAPPED)

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(UNWRAPPED)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]


def _no_values(self: _NoValues, *args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(UNWRAPPED)


for _dunder in ("getitem", "setitem", "iter", "add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv",
                "pow", "neg", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "invert", "matmul", "float", "int",
                "bool", "index"):
    setattr(_NoValues, f"__{_dunder}__", _no_values)


UNWRAPPED = ("gradsh's vmap: an op was called on a batched tensor through a reference taken before vmap started "
             "(call it through torch.X or the Tensor method inside the function)")


def refresh(t: BatchedTensor) -> None:
    """After an in-place change of the physical tensor's shape (squeeze_): the logical shape again."""
    shape = tuple(t._phys.shape)
    logical = shape[:t._bdim] + shape[t._bdim + 1:]
    t._data = _NoValues(logical, t._phys._data.dtype)


def level_of(x: Any) -> int:
    return x._lvl if isinstance(x, BatchedTensor) else 0


def physical(t: Tensor) -> Tensor:
    """The plain tensor under every level of batching."""
    while isinstance(t, BatchedTensor):
        t = t._phys
    return t


def layout(t: Tensor) -> list[tuple[int, int]]:
    """(level, bdim) from the outermost wrapper inwards: what `rewrap` needs to batch a like tensor."""
    found = []
    while isinstance(t, BatchedTensor):
        found.append((t._lvl, t._bdim))
        t = t._phys
    return found


def rewrap(phys: Tensor, lay: list[tuple[int, int]]) -> Tensor:
    for lvl, bdim in reversed(lay):
        phys = wrap(phys, bdim, lvl)
    return phys


def batch_size(lvl: int) -> int:
    return _sizes[lvl - 1]


def current_level() -> int:
    return len(_sizes)


@contextmanager
def level(size: int) -> Iterator[int]:
    """One vmap level: the ops are wrapped while the outermost level is open."""
    if not _sizes:
        _patched.extend(op_intercept.install(_dispatcher))
        _entry_points.update({id(fn): getattr(owner, name) for owner, name, fn in _patched})
    _sizes.append(size)
    try:
        yield len(_sizes)
    finally:
        _sizes.pop()
        if not _sizes:
            op_intercept.remove(_patched)
            _entry_points.clear()


def _top_level(args: tuple, kwargs: dict) -> int:
    top = 0
    for a in (*args, *kwargs.values()):
        if isinstance(a, BatchedTensor):
            top = max(top, a._lvl)
        elif isinstance(a, (list, tuple)):
            for x in a:
                if isinstance(x, BatchedTensor):
                    top = max(top, x._lvl)
    return top


def _in_place(name: str) -> bool:
    return (name.endswith("_") and not name.startswith("__")) or name.startswith("__i") or name == "__setitem__"


_dispatchers: dict[tuple[int, str], tuple[Callable, Callable]] = {}  # (op, name) -> (op, its entry point)


def _dispatcher(name: str, fn: Callable) -> Callable:
    """The vmap entry point of op `fn` called by `name`: made once, reused by every vmap call after."""
    hit = _dispatchers.get((id(fn), name))
    if hit is not None and hit[0] is fn:
        return hit[1]
    made = _make_dispatcher(name, fn)
    _dispatchers[(id(fn), name)] = (fn, made)
    return made


def _make_dispatcher(name: str, fn: Callable) -> Callable:
    from . import vmap_rules  # cycle: the rules call ops that the registry installs after this module

    rule = vmap_rules.rule_for(name)
    in_place = _in_place(name)

    def batched(*args: Any, **kwargs: Any) -> Any:
        lvl = _top_level(args, kwargs)
        if lvl == 0:
            return fn(*args, **kwargs)
        if in_place and args and isinstance(args[0], Tensor) and level_of(args[0]) != lvl:
            _refuse_shared_write(args[0], lvl)
        if rule is not None:
            result = rule(batched, lvl, args, kwargs)
            if result is not NotImplemented:
                return result
        return fallback(batched, lvl, args, kwargs, in_place)

    functools.update_wrapper(batched, fn)
    batched.op_name = name  # type: ignore[attr-defined]
    return batched


def _refuse_shared_write(target: Tensor, lvl: int) -> None:
    """An in-place op on a tensor shared by the samples, with a per-sample operand: PyTorch's broadcast error."""
    shape = list(target.shape)
    raise RuntimeError(f"output with shape {shape} doesn't match the broadcast shape {[batch_size(lvl), *shape]}")


def _sample(x: Any, lvl: int, i: int) -> Any:
    if isinstance(x, BatchedTensor) and x._lvl == lvl:
        return x._phys.select(x._bdim, i)
    if isinstance(x, (list, tuple)) and any(isinstance(v, BatchedTensor) and v._lvl == lvl for v in x):
        return type(x)(_sample(v, lvl, i) for v in x)
    return x


def _empty_sample(x: Any, lvl: int) -> Any:
    if isinstance(x, BatchedTensor) and x._lvl == lvl:
        return x.new_zeros(x.shape)
    if isinstance(x, (list, tuple)):
        return type(x)(_empty_sample(v, lvl) for v in x)
    return x


def fallback(call: Callable, lvl: int, args: tuple, kwargs: dict, in_place: bool = False) -> Any:
    """An op without a batching rule: once per sample, the results stacked along a new front batch dim."""
    from .ops.joining import stack  # cycle: ops import the engine core this module sits beside

    size = batch_size(lvl)
    if size == 0:  # one call on a zero sample stands for the shapes of none
        results = [call(*(_empty_sample(a, lvl) for a in args), **{k: _empty_sample(v, lvl) for k, v in kwargs.items()})]
    else:
        results = [call(*(_sample(a, lvl, i) for a in args), **{k: _sample(v, lvl, i) for k, v in kwargs.items()})
                   for i in range(size)]
    if in_place:
        return args[0]
    first = results[0]

    def stacked(values: list) -> Any:
        if not isinstance(values[0], Tensor):
            if all(v == values[0] for v in values[1:]):
                return values[0]
            raise RuntimeError(ITEM)
        out = stack(list(values))
        return wrap(out.narrow(0, 0, 0) if size == 0 else out, 0, lvl)

    if isinstance(first, (tuple, list)) and first and isinstance(first[0], Tensor):
        columns = [stacked([r[k] for r in results]) for k in range(len(first))]
        return type(first)(columns) if type(first) in (tuple, list) else type(first)(*columns)
    return stacked(results)


def _matching(cot: Tensor, out: Tensor) -> Tensor:
    """A cotangent as a physical tensor laid out as `out`'s (its batch dims where out has them)."""
    want, have = layout(out), layout(cot)
    if want == have:
        return physical(cot)
    if len(want) == 1 and isinstance(out._phys, Tensor) and not isinstance(out._phys, BatchedTensor):
        lvl, bdim = want[0]
        if not have:
            return cot.unsqueeze(bdim).expand(tuple(out._phys.shape))
        if len(have) == 1 and have[0][0] == lvl:
            return cot._phys.movedim(cot._bdim, bdim)
    raise NotImplementedError("gradsh's vmap: a cotangent batched differently from its output is not supported")


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    """Zeros shaped and batched as `t` (a plain tensor's are plain)."""
    p = physical(t)
    z = p.new_zeros(tuple(p.shape))
    if requires_grad:
        z.requires_grad_()
    return rewrap(z, layout(t))


def needs_grad(t: Any) -> bool:
    """Whether `t` is on a graph (a batched tensor's graph lives on its physical tensor)."""
    return isinstance(t, Tensor) and physical(t).requires_grad


def autograd_grad(outputs: list, inputs: list, cotangents: list | None) -> list:
    """autograd.grad (create_graph, unused inputs None) of outputs by inputs, either of them batched.

    On the physical tensors: the samples of a batched computation are independent, so the gradient of
    all samples' outputs (each weighted by its own cotangent) by the physical input is every sample's
    gradient, side by side.
    """
    from . import backward as backward_mod  # cycle: backward imports the graph this module's tensors sit on

    if not any(isinstance(t, BatchedTensor) for t in (*outputs, *inputs)):
        # only the cotangents are batched (jacrev's basis): the engine carries them through the graph, each
        # backward formula running on batched gradients through the ops' rules
        return list(backward_mod.grad(outputs, inputs, cotangents, retain_graph=True, create_graph=True,
                                      allow_unused=True))
    phys_out = [physical(o) for o in outputs]
    phys_in = [physical(x) for x in inputs]
    if cotangents is None:
        cots = [p.new_ones(p.shape) for p in phys_out]
    else:
        cots = [_matching(c, o) if isinstance(o, BatchedTensor) else physical(c) for c, o in zip(cotangents, outputs)]
    found = backward_mod.grad(phys_out, phys_in, cots, retain_graph=True, create_graph=True, allow_unused=True)
    return [None if g is None else rewrap(g, layout(x)) for g, x in zip(found, inputs)]


def grads(outputs: list, inputs: list, cotangents: list | None) -> list:
    """autograd_grad with zeros for the inputs the outputs do not use (torch.func's convention)."""
    found = autograd_grad(outputs, inputs, cotangents)
    return [g if g is not None else zeros_like(x) for g, x in zip(found, inputs)]
