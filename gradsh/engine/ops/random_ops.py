"""Random sampling at the Tensor level: torch's seeding API, the random factories, the in-place samplers,
dropout and topk.

The values come from the bit-exact kernels of gradsh.engine.random; this module adds what PyTorch does
around them: argument forms and dtype defaults, the leaf and version-counter rules of in-place ops (through
apply_inplace), and the backward nodes PyTorch records (random samplers pass a zero gradient).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from .. import random as _rk
from ..creation import _check_pin_memory, _check_requires_grad, _finish, _into, _out_dtype, _size_args
from ..grad_mode import state
from ..graph import NO_EDGE, Node, SpecialNode, edge
from ..registry import op
from ..tensor import Tensor, _wrap_dim, device
from ._core import attach, save, unpack
from .elementwise import MulBackward0
from .indexing import _gather_key, embed
from .inplace import apply_inplace
from .reduction import return_type

_uint8 = dtypes.uint8
_int64 = dtypes.int64


def _c_array(data: np.ndarray, np_dtype: Any = None) -> np.ndarray:
    """A C-contiguous array of data; unlike np.ascontiguousarray it keeps 0-d arrays 0-d."""
    return np.asarray(data, dtype=np_dtype, order="C")


# ----- generators and the global state ------------------------------------------------------------

class Generator(_rk.Generator):
    """torch.Generator: the kernel's generator, with states as uint8 tensors and PyTorch's repr."""

    def __init__(self, device: Any = "cpu") -> None:
        super().__init__()
        self.device = device

    @property
    def device(self) -> device:
        return self._device

    @device.setter
    def device(self, value: Any) -> None:
        self._device = value if isinstance(value, device) else device(str(value))

    def get_state(self) -> Tensor:  # type: ignore[override]
        return Tensor._wrap(super().get_state(), _uint8)

    def set_state(self, new_state: Any) -> Generator:  # type: ignore[override]
        super().set_state(_state_array(new_state))
        return self

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {hex(id(self))}>"


# the kernels draw from the module's default generator: give that same object the facade's class
_rk.default_generator.__class__ = Generator
default_generator: Generator = _rk.default_generator  # type: ignore[assignment]
default_generator.device = "cpu"


def _state_array(new_state: Any) -> np.ndarray:
    if not isinstance(new_state, Tensor):
        kind = type(new_state)
        raise TypeError(f"expected a torch.ByteTensor, but got {kind.__module__}.{kind.__qualname__}")
    if new_state.dtype is not _uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    return new_state._data


def manual_seed(seed: Any) -> Generator:
    return default_generator.manual_seed(seed)  # type: ignore[return-value]


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    default_generator.set_state(new_state)


# ----- factories ----------------------------------------------------------------------------------

def _float_dtype(dtype: Any) -> dtypes.dtype:
    return dtype or dtypes.get_default_dtype()


def _make(data: np.ndarray, dtype: dtypes.dtype, requires_grad: bool) -> Tensor:
    return _finish(_c_array(data, dtype.np), dtype, requires_grad)


@op("rand", method=False)
def rand(size: Any, *more: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False, out: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_requires_grad(requires_grad, "rand")
    _check_pin_memory(pin_memory)
    dt = _float_dtype(_out_dtype(dtype, out))
    return _into("rand", out, _make(_rk.uniform(generator, _size_args((size, *more)), dt), dt, requires_grad))


@op("randn", method=False)
def randn(size: Any, *more: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False, out: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_requires_grad(requires_grad, "randn")
    _check_pin_memory(pin_memory)
    dt = _float_dtype(_out_dtype(dtype, out))
    return _into("randn", out, _make(_rk.normal(generator, _size_args((size, *more)), dt), dt, requires_grad))


def _type_names(args: tuple, kwargs: dict) -> str:
    parts = [type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()]
    return ", ".join(parts)


_RANDINT_FORMS = (
    " * (int high, tuple of ints size, *, torch.Generator generator, Tensor out = None, torch.dtype dtype = None, "
    "torch.layout layout = None, torch.device device = None, bool pin_memory = False, bool requires_grad = False)\n"
    " * (int high, tuple of ints size, *, Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, "
    "torch.device device = None, bool pin_memory = False, bool requires_grad = False)\n"
    " * (int low, int high, tuple of ints size, *, torch.Generator generator, Tensor out = None, torch.dtype dtype "
    "= None, torch.layout layout = None, torch.device device = None, bool pin_memory = False, bool requires_grad = "
    "False)\n"
    " * (int low, int high, tuple of ints size, *, Tensor out = None, torch.dtype dtype = None, torch.layout layout "
    "= None, torch.device device = None, bool pin_memory = False, bool requires_grad = False)\n"
)


@op("randint", method=False)
def randint(*args: Any, size: Any = None, low: Any = None, high: Any = None, generator: Generator | None = None,
            dtype: Any = None, device: Any = None, requires_grad: bool = False, out: Any = None, layout: Any = None,
            pin_memory: bool = False) -> Tensor:
    """torch.randint(high, size) / randint(low, high, size); low, high and size may also be keywords."""
    named = {k: v for k, v in (("low", low), ("high", high), ("size", size)) if v is not None}
    rest = list(args)
    if size is None and rest and isinstance(rest[-1], (tuple, list)):
        size = rest.pop()
    if high is None and rest:
        high = rest.pop()
    if low is None and rest:
        low = rest.pop()
    if high is None or size is None or rest:
        raise TypeError("randint() received an invalid combination of arguments - got "
                        f"({_type_names(args, named)}), but expected one of:\n" + _RANDINT_FORMS)
    _check_requires_grad(requires_grad, "randint")
    _check_pin_memory(pin_memory)
    dt = _out_dtype(dtype, out) or _int64
    data = _rk.randint(generator, _size_args((size,)), dt, int(0 if low is None else low), int(high))
    return _into("randint", out, _make(data, dt, requires_grad))


@op("randperm", method=False)
def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, out: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_requires_grad(requires_grad, "randperm")
    _check_pin_memory(pin_memory)
    dt = _out_dtype(dtype, out) or _int64
    return _into("randperm", out, _make(_rk.randperm(generator, int(n), dt), dt, requires_grad))


@op("rand_like", method=False)
def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_requires_grad(requires_grad, "rand_like")
    _check_pin_memory(pin_memory)
    dt = dtype or input.dtype
    return _make(_rk.uniform(generator, input._data.shape, dt), dt, requires_grad)


@op("randn_like", method=False)
def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
    _check_requires_grad(requires_grad, "randn_like")
    _check_pin_memory(pin_memory)
    dt = dtype or input.dtype
    return _make(_rk.normal(generator, input._data.shape, dt), dt, requires_grad)


@op("randint_like", method=False)
def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator: Generator | None = None,
                 dtype: Any = None, device: Any = None, requires_grad: bool = False, memory_format: Any = None,
                 layout: Any = None, pin_memory: bool = False) -> Tensor:
    """randint_like(x, high) or randint_like(x, low, high): x's shape, x's dtype unless dtype= is given."""
    if high is None:
        low, high = 0, low
    _check_requires_grad(requires_grad, "randint_like")
    _check_pin_memory(pin_memory)
    dt = dtype or input.dtype
    return _make(_rk.randint(generator, input._data.shape, dt, int(low), int(high)), dt, requires_grad)


# ----- normal, bernoulli, multinomial -------------------------------------------------------------

class _ZeroGradNode(Node):
    """The backward of a sampler: every input that requires grad gets zeros of its own shape."""

    __slots__ = ("metas",)

    def apply(self, grads: list) -> tuple:
        return tuple(None if fn is None or meta is None else Tensor._wrap(np.zeros(meta[0], meta[1].np), meta[1])
                     for (fn, _), meta in zip(self.next_functions, self.metas))


def _zero_node(name: str) -> type:
    return type(name, (_ZeroGradNode,), {"__slots__": ()})


NormalBackward0 = _zero_node("NormalBackward0")
NormalBackward1 = _zero_node("NormalBackward1")
NormalBackward2 = _zero_node("NormalBackward2")
NormalBackward3 = _zero_node("NormalBackward3")
UniformBackward0 = _zero_node("UniformBackward0")
RandomBackward0 = _zero_node("RandomBackward0")
RandomBackward1 = _zero_node("RandomBackward1")
RandomBackward2 = _zero_node("RandomBackward2")
BernoulliBackward0 = _zero_node("BernoulliBackward0")
BernoulliBackward1 = _zero_node("BernoulliBackward1")
BernoulliBackward2 = _zero_node("BernoulliBackward2")
ExponentialBackward0 = _zero_node("ExponentialBackward0")
CauchyBackward0 = _zero_node("CauchyBackward0")
LogNormalBackward0 = _zero_node("LogNormalBackward0")
GeometricBackward0 = _zero_node("GeometricBackward0")


class _NotImplementedBackward(SpecialNode):
    """PyTorch records a node named NotImplemented where an op has no derivative formula."""

    __slots__ = ("op",)

    def apply(self, grads: list) -> tuple:
        raise RuntimeError(f"derivative for {self.op} is not implemented")


NotImplementedBackward = type("NotImplemented", (_NotImplementedBackward,), {"__slots__": ()})


def _record(out: Tensor, node_cls: type, *inputs: Any) -> Tensor:
    """Attach a sampler's node when grad mode records and an input requires grad."""
    if state.recording and any(isinstance(t, Tensor) and t._rg for t in inputs):
        node = node_cls(tuple(edge(t) if isinstance(t, Tensor) else NO_EDGE for t in inputs))
        node.metas = tuple((t._data.shape, t.dtype) if isinstance(t, Tensor) else None for t in inputs)
        attach(out, node)
    return out


_NORMAL_FORMS = (
    " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, Tensor out = None, "
    "torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, bool pin_memory = False, "
    "bool requires_grad = False)\n"
)


@op("normal", method=False)
def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False, out: Any = None,
           layout: Any = None, pin_memory: bool = False) -> Tensor:
    """torch.normal: (Tensor, Tensor), (Tensor, float), (float, Tensor) or (float, float, size)."""
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_t and not std_t:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got "
                            f"({_type_names((mean, std), {})}), but expected one of:\n" + _NORMAL_FORMS)
        _check_requires_grad(requires_grad, "normal")
        _check_pin_memory(pin_memory)
        dt = _float_dtype(_out_dtype(dtype, out))
        data = _rk.normal(generator, _size_args((size,)), dt, float(mean), float(std))
        return _into("normal", out, _make(data, dt, requires_grad))
    if std_t and std.dtype.is_complex:
        raise RuntimeError("normal expects standard deviation to be non-complex")
    if (mean_t and mean.requires_grad and mean.dtype.is_complex) or (std_t and std.requires_grad and mean_t
                                                                     and mean.dtype.is_complex):
        raise RuntimeError("normal does not support automatic differentiation for outputs with complex dtype.")
    if mean_t and std_t:
        dt = dtypes.promote_types(mean.dtype, std.dtype)
        node_cls, inputs = NormalBackward3, (mean, std)
    elif mean_t:
        dt, node_cls, inputs = mean.dtype, NormalBackward1, (mean,)
    else:
        dt, node_cls, inputs = std.dtype, NormalBackward2, (std,)
    data = _rk.normal_tensor(generator, mean._data if mean_t else float(mean), std._data if std_t else float(std),
                             dt)
    return _into("normal", out, _record(_make(data, dt, False), node_cls, *inputs))


@op("bernoulli")
def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None,
              out: Any = None) -> Tensor:
    """bernoulli(probs) draws with each element's probability; bernoulli(x, p) uses p for x's shape."""
    if p is None:
        data = _rk.bernoulli(generator, input._data.shape, input.dtype, input._data)
        return _record(_make(data, input.dtype, False), BernoulliBackward0, input)
    data = _rk.bernoulli(generator, input._data.shape, input.dtype, float(p))
    out_t = _make(data, input.dtype, False)
    if state.recording and input._rg:
        node = NotImplementedBackward((edge(input),))
        node.op = "aten::bernoulli"
        attach(out_t, node)
    return out_t


@op("multinomial")
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None, out: Any = None) -> Tensor:
    data = _rk.multinomial(generator, input._data, num_samples, replacement, dtype=input.dtype)
    return Tensor._wrap(_c_array(data, np.int64), _int64)


# ----- in-place samplers --------------------------------------------------------------------------

Draw = Callable[[tuple, bool], np.ndarray]


def _fill_inplace(t: Tensor, draw: Draw, node_cls: type, *others: Tensor) -> Tensor:
    """Write draw(...) into t as an in-place op (version bump, leaf checks, the op's node).

    Samplers visit elements in memory order: a non-contiguous target draws in its storage order and the
    values are permuted back into the view. The layout is read here, before apply_inplace snapshots t.
    """
    arr = t._data
    axes = None if arr.flags.c_contiguous else _rk.memory_order_axes(arr.strides)

    def op(target: Tensor, *rest: Tensor) -> Tensor:
        if axes is None:
            data = draw(arr.shape, True)
        else:
            data = draw(tuple(arr.shape[a] for a in axes), False).transpose(np.argsort(axes))
        return _record(Tensor._wrap(_c_array(data, t.dtype.np), t.dtype), node_cls, target, *rest)

    return apply_inplace(t, op, *others)


@op("normal_", function=False)
def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    return _fill_inplace(t, lambda shape, contiguous: _rk.normal(generator, shape, t.dtype, float(mean), float(std),
                                                                 contiguous), NormalBackward0)


@op("uniform_", function=False)
def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None,
             **bounds: float) -> Tensor:
    """Tensor.uniform_(from=0, to=1): `from` and `to` are Python keywords, so they come in **bounds."""
    low, high = float(bounds.pop("from", a)), float(bounds.pop("to", b))
    if bounds:
        raise TypeError(f"uniform_() got an unexpected keyword argument '{next(iter(bounds))}'")
    return _fill_inplace(t, lambda shape, _c: _rk.uniform(generator, shape, t.dtype, low, high), UniformBackward0)


@op("random_", function=False)
def random_(t: Tensor, *args: Any, generator: Generator | None = None, **bounds: Any) -> Tensor:
    """random_() (dtype's natural range), random_(to) = [0, to), random_(from, to) with to=None: [from, max]."""
    args = args + tuple(bounds.pop(k) for k in ("from", "to") if k in bounds)
    if not args:
        return _fill_inplace(t, lambda shape, _c: _rk.random_(generator, shape, t.dtype), RandomBackward2)
    if len(args) == 1:
        high = int(args[0])
        return _fill_inplace(t, lambda shape, _c: _rk.randint(generator, shape, t.dtype, 0, high), RandomBackward1)
    low, high_or_none = int(args[0]), args[1]
    if high_or_none is None:
        return _fill_inplace(t, lambda shape, _c: _rk.random_from(generator, shape, t.dtype, low), RandomBackward0)
    return _fill_inplace(t, lambda shape, _c: _rk.randint(generator, shape, t.dtype, low, int(high_or_none)),
                         RandomBackward0)


@op("bernoulli_", function=False)
def bernoulli_(t: Tensor, p: Any = 0.5, *, generator: Generator | None = None) -> Tensor:
    if isinstance(p, Tensor):
        probs = p._data
        return _fill_inplace(t, lambda shape, _c: _rk.bernoulli(generator, shape, t.dtype, probs),
                             BernoulliBackward1, p)
    return _fill_inplace(t, lambda shape, _c: _rk.bernoulli(generator, shape, t.dtype, float(p)), BernoulliBackward2)


@op("exponential_", function=False)
def exponential_(t: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    return _fill_inplace(t, lambda shape, _c: _rk.exponential(generator, shape, t.dtype, float(lambd)),
                         ExponentialBackward0)


@op("cauchy_", function=False)
def cauchy_(t: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    return _fill_inplace(t, lambda shape, _c: _rk.cauchy(generator, shape, t.dtype, float(median), float(sigma)),
                         CauchyBackward0)


@op("log_normal_", function=False)
def log_normal_(t: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Generator | None = None) -> Tensor:
    return _fill_inplace(t, lambda shape, _c: _rk.log_normal(generator, shape, t.dtype, float(mean), float(std)),
                         LogNormalBackward0)


@op("geometric_", function=False)
def geometric_(t: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    return _fill_inplace(t, lambda shape, _c: _rk.geometric(generator, shape, t.dtype, float(p)), GeometricBackward0)


# ----- dropout ------------------------------------------------------------------------------------

def _times_noise(x: Tensor, noise: Tensor, data: np.ndarray) -> Tensor:
    """x * noise as PyTorch computes it (one rounding), recorded as the MulBackward0 of that product."""
    out = Tensor._wrap(_c_array(data, x.dtype.np), x.dtype)
    if state.recording and x._rg:
        node = MulBackward0((edge(x), NO_EDGE))
        node.a, node.b = None, save(noise)
        node.a_meta, node.b_meta = (x._data.shape, x.dtype), (noise._data.shape, noise.dtype)
        attach(out, node)
    return out


def _noise_in_memory_order(x: np.ndarray, dtype: dtypes.dtype, p: float) -> np.ndarray | None:
    """dropout's noise: PyTorch fills empty_like(input), which keeps a dense permuted layout (a transposed
    view), so the draws follow the input's memory order, not its logical order."""
    perm = tuple(np.argsort([-st for st in x.strides], kind="stable")) if x.ndim > 1 else None
    if perm is None or perm == tuple(range(x.ndim)) or not x.transpose(perm).flags.c_contiguous:
        return _rk.dropout_noise(None, x.shape, dtype, p)
    noise = _rk.dropout_noise(None, tuple(x.shape[i] for i in perm), dtype, p)
    return None if noise is None else noise.transpose(np.argsort(perm))


@op("dropout", method=False, namespace="torch.nn.functional")
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """F.dropout: input * (bernoulli(1 - p) / (1 - p)); input itself when nothing is drawn."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training:
        return input
    # the noise is drawn before the multiplication, so a refused in-place product still consumes it
    noise_data = _noise_in_memory_order(input._data, input.dtype, p)
    if noise_data is None:
        return input
    noise = Tensor._wrap(_c_array(noise_data, input.dtype.np), input.dtype)

    def product(x: Tensor) -> Tensor:
        data = _rk._arith(input.dtype, np.multiply, x._data, noise_data)
        return _times_noise(x, noise, data)

    if inplace:
        return apply_inplace(input, product)
    return product(input)


# ----- topk ---------------------------------------------------------------------------------------

class TopkBackward0(Node):
    """The gradient goes back to the selected positions."""

    __slots__ = ("dim", "indices", "shape")
    saved = ("indices",)

    def apply(self, grads: list) -> tuple:
        idx = unpack(self.indices, self)
        key = _gather_key(idx._data, self.dim) if self.shape else ()
        return (embed(grads[0], self.shape, key),)


@op("topk")
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *,
         out: Any = None) -> Any:
    """torch.topk on the CPU, with PyTorch's order among ties (the kernels' topk_indices)."""
    data = input._data
    nd = data.ndim
    d = _wrap_dim(dim, nd) if nd else 0
    moved = np.moveaxis(data.reshape(1) if nd == 0 else data, d, -1)
    n = moved.shape[-1]
    k = int(k)
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    rows = moved.reshape(-1, n).astype(np.float64)
    if not largest:  # the smallest first: the same selection on negated values (NaN still counts as largest)
        rows = np.where(np.isnan(rows), -np.inf, -rows)
    idx_rows = [_rk.topk_indices(row, k) if k else [] for row in rows.tolist()]
    idx = np.array(idx_rows, dtype=np.int64).reshape(moved.shape[:-1] + (k,))
    idx = np.moveaxis(idx, -1, d) if nd else idx.reshape(())
    values_data = np.take_along_axis(data, idx, axis=d) if nd else data.copy()
    values = Tensor._wrap(_c_array(values_data), input.dtype)
    indices = Tensor._wrap(_c_array(idx), _int64)
    if state.recording and input._rg:
        node = TopkBackward0((edge(input),))
        node.shape, node.dim, node.indices = data.shape, d, save(indices)
        attach(values, node)
    return _topk_type(values, indices)


_topk_type = return_type("topk")

__all__ = [
    "Generator", "bernoulli", "bernoulli_", "cauchy_", "default_generator", "dropout", "exponential_", "geometric_",
    "get_rng_state", "initial_seed", "log_normal_", "manual_seed", "multinomial", "normal", "normal_", "rand",
    "rand_like", "randint", "randint_like", "randn", "randn_like", "random_", "randperm", "seed", "set_rng_state",
    "topk", "uniform_",
]
