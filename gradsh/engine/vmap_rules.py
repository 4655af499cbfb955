"""vmap's batching rules: each op run once on the physical tensors, the batch dim moved as PyTorch moves it.

A rule gets `call` (the op's vmap entry point: calling it on tensors batched at lower levels goes
through their rules in turn), the level being removed, and the op's arguments; it returns the result
(batched at that level) or NotImplemented for the per-sample fallback. What each rule records in the
graph (a PermuteBackward0 where PyTorch moves the batch dim to the front, a ViewBackward0 where it
pads a lower-rank operand, ...) was read from PyTorch 2.13's graphs (tests/test_vmap_parity.py pins
them); composite ops (matmul, linear, the losses) are decomposed at the logical level as PyTorch's
CompositeImplicit kernels are, so that their primitive parts go through the rules below.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from .tensor import Tensor
from .vmap_batched import BatchedTensor, batch_size, refresh, wrap

Rule = Callable[[Callable, int, tuple, dict], Any]
_RULES: dict[str, Rule] = {}


def rule_for(name: str) -> Rule | None:
    if not _RULES:
        _build()
    return _RULES.get(name)


# ----- helpers ---------------------------------------------------------------------------------------------


def _unwrap(x: Any, lvl: int) -> tuple[Any, int | None]:
    if isinstance(x, BatchedTensor) and x._lvl == lvl:
        return x._phys, x._bdim
    return x, None


def _name(call: Callable) -> str:
    """The name the op was called by (a dunder, a method, a function)."""
    return getattr(call, "op_name", "")


def _batched(x: Any, lvl: int) -> bool:
    return isinstance(x, BatchedTensor) and x._lvl == lvl


def _front(x: Tensor, lvl: int) -> Tensor:
    """The physical tensor with its batch dim first (PyTorch's moveBatchDimToFront: a permute unless there)."""
    phys, bdim = _unwrap(x, lvl)
    return phys if not bdim else phys.movedim(bdim, 0)


def _any_batched(values: Any, lvl: int) -> bool:
    for v in values:
        if _batched(v, lvl) or isinstance(v, (list, tuple)) and any(_batched(u, lvl) for u in v):
            return True
    return False


def _wrap_dim(d: int, rank: int) -> int:
    r = max(rank, 1)
    if not -r <= d < r:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-r}, {r - 1}], but got {d})")
    return d % r


def _phys_dim(d: int, rank: int) -> int:
    return _wrap_dim(d, rank) + 1


def _arg(args: tuple, kwargs: dict, pos: int, name: str, default: Any = None) -> tuple[Any, bool]:
    if len(args) > pos:
        return args[pos], True
    if name in kwargs:
        return kwargs[name], True
    return default, False


def _set_arg(args: tuple, kwargs: dict, pos: int, name: str, value: Any) -> tuple[tuple, dict]:
    if len(args) > pos:
        return args[:pos] + (value,) + args[pos + 1:], kwargs
    return args, {**kwargs, name: value}


# ----- elementwise -------------------------------------------------------------------------------------------


def _unary(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    """An elementwise op of one tensor: runs on the physical tensor, the batch dim stays where it is."""
    if not args or not _batched(args[0], lvl) or _any_batched(args[1:], lvl) or _any_batched(kwargs.values(), lvl):
        return NotImplemented
    phys, bdim = _unwrap(args[0], lvl)
    out = call(phys, *args[1:], **kwargs)
    if out is phys:  # in place
        return args[0]
    return wrap(out, bdim, lvl)


def _align(values: list, lvl: int) -> list:
    """PyTorch's binary pointwise helper: batched operands' batch dims to the front, lower ranks padded by a view."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    rank = max(v.dim() for v in tensors)
    out = []
    for v in values:
        if not _batched(v, lvl):
            out.append(v)
            continue
        phys = _front(v, lvl)
        if v.dim() < rank:
            shape = list(phys.shape)
            phys = phys.view([shape[0]] + [1] * (rank - v.dim()) + shape[1:])
        out.append(phys)
    return out


def pointwise(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    """An elementwise op of several tensors (add, mul, where, ...): the result has its batch dim first."""
    if _any_batched(kwargs.values(), lvl) or any(isinstance(a, (list, tuple)) for a in args):
        return NotImplemented
    aligned = _align(list(args), lvl)
    out = call(*aligned, **kwargs)
    if args and out is aligned[0] and _batched(args[0], lvl):  # in place
        return args[0]
    return wrap(out, 0, lvl)


# ----- reductions and ops along a dim ---------------------------------------------------------------


def _dim_op(pos: int, name: str = "dim", default: Any = None, full: str | None = None) -> Rule:
    """An op along dims given at `pos`/`name`: batch dim first, the dims shifted past it.

    `full` says what a call without dims does: "list" passes every logical dim, "flat" views the
    samples flat and reduces dim 1 (max/min), None is the fallback.
    """

    def rule(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
        x = args[0] if args else None
        if not _batched(x, lvl) or _any_batched(args[1:], lvl) or _any_batched(kwargs.values(), lvl):
            return NotImplemented
        rank = x.dim()
        dim, given = _arg(args, kwargs, pos, name, default)
        if isinstance(dim, bool):  # std(True): the unbiased flag in dim's place
            return NotImplemented
        phys = _front(x, lvl)
        if dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0 and full == "list"):
            if full == "list":
                if rank == 0:
                    phys = phys.unsqueeze(-1)
                dims = list(range(1, max(rank, 1) + 1))
                a, k = (args[:pos] + (dims,) + args[pos + 1:], kwargs) if given and len(args) > pos else (
                    args, {**kwargs, name: dims})
                return wrap(call(phys, *a[1:], **k), 0, lvl)
            if full == "flat" and not given:
                flat = phys if rank == 1 else phys.view(batch_size(lvl), -1)
                return wrap(call(flat, 1, *args[1:], **kwargs)[0], 0, lvl)
            return NotImplemented
        if rank == 0:
            return NotImplemented
        if isinstance(dim, (list, tuple)):
            new_dim: Any = [_phys_dim(d, rank) for d in dim]
        elif isinstance(dim, int):
            new_dim = _phys_dim(dim, rank)
        else:
            return NotImplemented
        a, k = _set_arg(args, kwargs, pos, name, new_dim)
        return _wrap_all(call(phys, *a[1:], **k), lvl)

    return rule


def _wrap_all(out: Any, lvl: int, bdim: int = 0) -> Any:
    if isinstance(out, Tensor):
        return wrap(out, bdim, lvl)
    if isinstance(out, tuple):
        items = [wrap(o, bdim, lvl) if isinstance(o, Tensor) else o for o in out]
        return type(out)(items) if type(out) is tuple else type(out)(*items)
    return NotImplemented


def _max_min(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    other, _ = _arg(args, kwargs, 1, "other")
    if isinstance(other, Tensor):
        return pointwise(call, lvl, args, kwargs)
    return _dim_op(1, full="flat")(call, lvl, args, kwargs)


# ----- views -------------------------------------------------------------------------------------------


def _only_self(args: tuple, kwargs: dict, lvl: int) -> bool:
    return bool(args) and _batched(args[0], lvl) and not _any_batched(args[1:], lvl) and not _any_batched(
        kwargs.values(), lvl)


def _shape_arg(args: tuple, kwargs: dict, name: str) -> tuple | None:
    if len(args) == 2 and isinstance(args[1], (list, tuple)):
        return tuple(args[1])
    if len(args) > 1:
        return tuple(args[1:])
    if name in kwargs:
        return tuple(kwargs[name])
    return None


def _reshape(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _only_self(args, kwargs, lvl):
        return NotImplemented
    shape = _shape_arg(args, kwargs, "shape" if "shape" in kwargs else "size")
    if shape is None and len(args) == 1 and not kwargs:
        shape = ()  # view(*()): a scalar's view
    if shape is None or not all(isinstance(s, int) for s in shape):
        return NotImplemented
    return wrap(call(_front(args[0], lvl), (batch_size(lvl), *shape)), 0, lvl)


def _reshape_as(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _batched(args[0], lvl) or len(args) != 2:
        return NotImplemented
    shape = tuple(args[1].shape)
    return args[0].view(shape) if _name(call) == "view_as" else args[0].reshape(shape)


def _unsqueeze(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _only_self(args, kwargs, lvl):
        return NotImplemented
    dim, _ = _arg(args, kwargs, 1, "dim")
    return wrap(call(_front(args[0], lvl), _wrap_dim(dim, args[0].dim() + 1) + 1), 0, lvl)


def _squeeze(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _only_self(args, kwargs, lvl):
        return NotImplemented
    x = args[0]
    dim, given = _arg(args, kwargs, 1, "dim")
    phys = _front(x, lvl)
    in_place = _name(call).endswith("_")
    if not given or dim is None:
        if in_place:
            return NotImplemented
        return wrap(phys.view([batch_size(lvl)] + [s for s in x.shape if s != 1]), 0, lvl)
    dims = dim if isinstance(dim, (list, tuple)) else (dim,)
    new = tuple(_phys_dim(d, x.dim()) for d in dims)
    out = call(phys, new)
    if in_place:
        if phys is not x._phys:
            return NotImplemented
        refresh(x)
        return x
    return wrap(out, 0, lvl)


def _permute(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _only_self(args, kwargs, lvl):
        return NotImplemented
    dims = _shape_arg(args, kwargs, "dims")
    if dims is None:
        return NotImplemented
    rank = args[0].dim()
    return wrap(call(_front(args[0], lvl), (0, *(_phys_dim(d, rank) for d in dims))), 0, lvl)


def _two_dims(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    """transpose/swapaxes/swapdims/movedim: both dims shifted past the batch dim."""
    if not _only_self(args, kwargs, lvl) or len(args) != 3 or kwargs:
        return NotImplemented
    rank = args[0].dim()

    def shift(d: Any) -> Any:
        return [_phys_dim(e, rank) for e in d] if isinstance(d, (list, tuple)) else _phys_dim(d, rank)

    return wrap(call(_front(args[0], lvl), shift(args[1]), shift(args[2])), 0, lvl)


def _t(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _only_self(args, kwargs, lvl) or len(args) != 1 or args[0].dim() > 2:
        return NotImplemented
    x = args[0]
    return x.transpose(0, 0 if x.dim() < 2 else 1)


def _dim_index_op(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    """select/narrow/split/chunk/unbind/cumsum-like: the dim at position 1 shifted past the batch dim."""
    if not _only_self(args, kwargs, lvl):
        return NotImplemented
    name = "dim"
    if _name(call) in ("split", "chunk", "tensor_split"):
        if len(args) > 2:
            a, k = args[:2] + (_phys_dim(args[2], args[0].dim()),) + args[3:], kwargs
        else:
            a, k = args, {**kwargs, name: _phys_dim(kwargs.get(name, 0), args[0].dim())}
    elif _name(call) == "unbind":
        d, _ = _arg(args, kwargs, 1, name, 0)
        a, k = (args[0], _phys_dim(d, args[0].dim())), {}
    else:
        d, given = _arg(args, kwargs, 1, name)
        if not given or not isinstance(d, int):
            return NotImplemented
        a, k = _set_arg(args, kwargs, 1, name, _phys_dim(d, args[0].dim()))
    return _wrap_all(call(_front(args[0], lvl), *a[1:], **k), lvl)


def _expand(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _only_self(args, kwargs, lvl):
        return NotImplemented
    sizes = _shape_arg(args, kwargs, "size")
    x = args[0]
    if sizes is None or len(sizes) < x.dim():
        return NotImplemented
    phys = _front(x, lvl)
    b = batch_size(lvl)
    padded = phys.view([b] + [1] * (len(sizes) - x.dim()) + list(x.shape))
    return wrap(call(padded, (b, *sizes)), 0, lvl)


def _expand_as(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _batched(args[0], lvl) or _batched(args[1], lvl):
        return NotImplemented
    return args[0].expand(tuple(args[1].shape))


def _basic_index(key: Any, lvl: int = 0, tensors: bool = False) -> bool:
    """Ints, slices, None and Ellipsis (and with `tensors`, one index tensor shared by the samples)."""
    items = key if isinstance(key, tuple) else (key,)
    plain = [k for k in items if not (isinstance(k, Tensor) and tensors and not isinstance(k, BatchedTensor))]
    if len(items) - len(plain) > 1:
        return False
    return all(isinstance(k, (int, slice)) and not isinstance(k, bool) or k is None or k is Ellipsis for k in plain)


def _getitem(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if len(args) != 2 or not _batched(args[0], lvl) or not _basic_index(args[1], lvl, tensors=True):
        return NotImplemented
    key = args[1] if isinstance(args[1], tuple) else (args[1],)
    return wrap(call(_front(args[0], lvl), (slice(None), *key)), 0, lvl)


def _setitem(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if len(args) != 3 or not _batched(args[0], lvl) or not _basic_index(args[1]):
        return NotImplemented
    x, key, value = args
    if _batched(value, lvl):
        return NotImplemented
    phys, bdim = _unwrap(x, lvl)
    target = phys if bdim == 0 else phys.movedim(bdim, 0)
    call(target, (slice(None), *(key if isinstance(key, tuple) else (key,))), value)
    return None


def _cat(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    tensors, _ = _arg(args, kwargs, 0, "tensors")
    dim, _ = _arg(args, kwargs, 1, "dim", 0)
    if not isinstance(tensors, (list, tuple)) or not isinstance(dim, int) or len(args) > 2 or set(kwargs) - {
            "tensors", "dim"}:
        return NotImplemented
    stacking = _name(call) == "stack"
    b = batch_size(lvl)
    rank = next(t.dim() for t in tensors if _batched(t, lvl))
    parts = []
    for t in tensors:
        if _batched(t, lvl):
            phys, bdim = _unwrap(t, lvl)
            parts.append(phys.movedim(bdim, 0) if stacking or bdim else phys)
        else:
            parts.append(t.unsqueeze(0).expand(b, *t.shape) if stacking else t.expand(b, *t.shape))
    new_dim = _phys_dim(dim, rank + 1) if stacking else _phys_dim(dim, rank)
    return wrap(call(parts, new_dim), 0, lvl)


# ----- matrix products ------------------------------------------------------------------------------


def _dot(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if len(args) != 2 or kwargs:
        return NotImplemented
    a, b = args
    if _batched(a, lvl) and _batched(b, lvl):
        pa, pb = _front(a, lvl), _front(b, lvl)
        out = pa.unsqueeze(-2).matmul(pb.unsqueeze(-1)).squeeze(-1).squeeze(-1)
    elif _batched(a, lvl):
        out = _front(a, lvl).mv(b.t())
    else:
        out = _front(b, lvl).mv(a.t())
    return wrap(out, 0, lvl)


def _mv(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if len(args) != 2 or kwargs:
        return NotImplemented
    m, v = args
    if _batched(m, lvl) and _batched(v, lvl):
        phys, bdim = _unwrap(m, lvl)
        return wrap(phys.movedim(bdim, 0).matmul(_front(v, lvl).unsqueeze(-1)).squeeze(-1), 0, lvl)
    if _batched(m, lvl):
        return wrap(_front(m, lvl).matmul(v), 0, lvl)
    phys, bdim = _unwrap(v, lvl)
    return wrap(m.mm(phys.movedim(bdim, 1)), 1, lvl)


def _mm(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if len(args) != 2 or kwargs:
        return NotImplemented
    a, b = args
    if _batched(a, lvl) and _batched(b, lvl):
        return wrap(_front(a, lvl).matmul(_front(b, lvl)), 0, lvl)
    if _batched(a, lvl):
        return wrap(_front(a, lvl).matmul(b), 0, lvl)
    # only the right one batched: (b^T a^T)^T, made contiguous
    return wrap(_front(b, lvl).transpose(-1, -2).matmul(a.t()).transpose(-1, -2).contiguous(), 0, lvl)


def _matmul(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    """ATen's matmul at the logical level (CompositeImplicit): its primitive parts go through their rules."""
    if len(args) != 2 or kwargs or not all(isinstance(a, Tensor) for a in args):
        return NotImplemented
    a, b = (args[1], args[0]) if _name(call) == "__rmatmul__" else args
    da, db = a.dim(), b.dim()
    if da == 1 and db == 1:
        return a.dot(b)
    if da == 2 and db == 1:
        return a.mv(b)
    if da == 1 and db == 2:
        return a.unsqueeze(0).mm(b).squeeze_(0)
    if da == 2 and db == 2:
        return a.mm(b)
    if da >= 3 and db <= 2 and _batched(a, lvl) and not _batched(b, lvl):
        return wrap(_front(a, lvl).matmul(b), 0, lvl)
    if _batched(a, lvl) and _batched(b, lvl) and da >= 3 and db >= 3:
        return wrap(_front(a, lvl).matmul(_front(b, lvl)), 0, lvl)
    return NotImplemented


def _bmm(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if len(args) != 2 or kwargs or not (_batched(args[0], lvl) and _batched(args[1], lvl)):
        return NotImplemented
    return wrap(_front(args[0], lvl).matmul(_front(args[1], lvl)), 0, lvl)


def _linear(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    """PyTorch's linear (CompositeImplicit) at the logical level: addmm for a 2-d input with a bias, else matmul."""
    x, _ = _arg(args, kwargs, 0, "input")
    weight, _ = _arg(args, kwargs, 1, "weight")
    bias, _ = _arg(args, kwargs, 2, "bias")
    if not isinstance(x, Tensor) or not isinstance(weight, Tensor) or x.dim() == 0:
        return NotImplemented
    if x.dim() == 2 and bias is not None:
        return _addmm(None, lvl, (bias, x, weight.t()), {})
    out = x.matmul(weight.t())
    return out if bias is None else out + bias


def _addmm(call: Callable | None, lvl: int, args: tuple, kwargs: dict) -> Any:
    """PyTorch's addmm rule: self * beta + mm(mat1, mat2) (beta and alpha 1 here)."""
    from .ops.aten import mul_scalar  # cycle: ops import the engine core this module sits beside

    if len(args) != 3 or kwargs.get("beta", 1) != 1 or kwargs.get("alpha", 1) != 1:
        return NotImplemented
    bias, a, b = args
    if _batched(bias, lvl):
        phys, bdim = _unwrap(bias, lvl)
        scaled = wrap(mul_scalar(phys, 1), bdim, lvl)
    elif isinstance(bias, BatchedTensor):  # batched at an outer level only
        return NotImplemented
    else:
        scaled = mul_scalar(bias, 1)
    return scaled + a.mm(b)


# ----- losses ----------------------------------------------------------------------------------------


def _mse_loss(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    x, _ = _arg(args, kwargs, 0, "input")
    target, _ = _arg(args, kwargs, 1, "target")
    reduction, _ = _arg(args, kwargs, 4, "reduction", "mean")
    if (len(args) > 2 and any(a is not None for a in args[2:4]) or kwargs.get("weight") is not None
            or not isinstance(target, Tensor) or x.dim() == 0):
        return NotImplemented
    rank = x.dim()
    a, t = _align([x, target], lvl)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = call(a, t, reduction="none")
    dims = list(range(1, rank + 1))
    if reduction == "mean":
        out = out.mean(dims)
    elif reduction == "sum":
        out = out.sum(dims)
    return wrap(out, 0, lvl)


def _nll(lsm: Tensor, target: Tensor, ignore_index: int, reduction: str) -> Tensor:
    """functorch's nll_loss decomposition, on logical tensors (the rules below batch its parts)."""
    from .ops import elementwise  # cycle: ops import the engine core this module sits beside

    channel = 1 if lsm.dim() >= 2 else 0
    result = -lsm.gather(channel, target.unsqueeze(channel)).squeeze(channel)
    mask = target != ignore_index
    result = elementwise.where(mask, result, 0)
    if reduction == "sum":
        return result.sum()
    if reduction == "mean":
        return result.sum() / mask.sum().to(lsm.dtype)
    return result


def _loss_args(args: tuple, kwargs: dict) -> dict | None:
    names = ("input", "target", "weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing")
    bound = dict(zip(names, args))
    bound.update(kwargs)
    if bound.get("weight") is not None or bound.get("size_average") is not None or bound.get("reduce") is not None:
        return None
    if bound.get("label_smoothing", 0.0) != 0.0 or "target" not in bound:
        return None
    target = bound["target"]
    if not isinstance(target, Tensor) or target.dtype.is_floating_point:
        return None
    return bound


def _cross_entropy(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    bound = _loss_args(args, kwargs)
    if bound is None:
        return NotImplemented
    x = bound["input"]
    lsm = x.log_softmax(1 if x.dim() >= 2 else 0)
    return _nll(lsm, bound["target"], bound.get("ignore_index", -100), bound.get("reduction", "mean"))


def _nll_loss(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    bound = _loss_args(args, kwargs)
    if bound is None:
        return NotImplemented
    return _nll(bound["input"], bound["target"], bound.get("ignore_index", -100), bound.get("reduction", "mean"))


# ----- the table --------------------------------------------------------------------------------------


_POINTWISE = (
    "add", "sub", "mul", "div", "true_divide", "divide", "multiply", "subtract", "pow", "maximum", "minimum",
    "atan2", "fmod", "remainder", "rsub", "where", "eq", "ne", "lt", "le", "gt", "ge", "greater", "less",
    "greater_equal", "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor", "hypot", "copysign",
    "xlogy", "float_power", "lerp", "addcmul", "addcdiv", "clamp", "clip", "clamp_min", "clamp_max", "add_", "sub_",
    "mul_", "div_", "pow_", "true_divide_", "clamp_", "__add__", "__radd__", "__sub__", "__rsub__", "__mul__",
    "__rmul__", "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__mod__", "__rmod__", "__floordiv__",
    "__rfloordiv__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__and__", "__or__", "__xor__",
    "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__",
)

_ACTIVATIONS = (
    "relu", "relu_", "gelu", "silu", "elu", "leaky_relu", "softplus", "hardtanh", "relu6", "logsigmoid", "mish",
    "hardswish", "hardsigmoid", "selu", "celu", "softsign", "tanhshrink", "hardshrink", "softshrink", "sigmoid",
    "tanh", "clone", "detach", "contiguous", "float", "double", "half", "to", "type_as", "zero_", "fill_", "dropout", "neg",
    "__neg__", "__abs__", "__pos__", "__invert__", "abs", "nan_to_num", "square",
)


def _build() -> None:
    from . import registry  # cycle: the registry imports tensor, which the batched tensor subclasses

    for decl in registry.declarations():
        if decl.forward.__module__.endswith("ops.unary"):
            for n in decl.names:
                _RULES[n] = _unary
                if decl.inplace:
                    _RULES[n + "_"] = _unary
    for n in _ACTIVATIONS:
        _RULES[n] = _unary
    for n in _POINTWISE:
        _RULES[n] = pointwise
    for n in ("sum", "mean", "amax", "amin", "std", "var"):
        _RULES[n] = _dim_op(1, full="list")
    for n in ("softmax", "log_softmax", "cumsum", "cumprod", "logsumexp", "prod", "argmax", "argmin", "logcumsumexp"):
        _RULES[n] = _dim_op(1)
    _RULES["kthvalue"] = _dim_op(2, default=-1)
    _RULES["max"] = _RULES["min"] = _max_min
    for n in ("view", "reshape"):
        _RULES[n] = _reshape
    _RULES["view_as"] = _RULES["reshape_as"] = _reshape_as
    _RULES["flatten"] = _flatten
    _RULES["unsqueeze"] = _unsqueeze
    _RULES["squeeze"] = _RULES["squeeze_"] = _squeeze
    _RULES["permute"] = _permute
    for n in ("transpose", "swapaxes", "swapdims", "movedim", "moveaxis"):
        _RULES[n] = _two_dims
    _RULES["t"] = _t
    for n in ("select", "narrow", "split", "chunk", "unbind", "tensor_split"):
        _RULES[n] = _dim_index_op
    _RULES["expand"] = _expand
    _RULES["expand_as"] = _expand_as
    _RULES["__getitem__"] = _getitem
    _RULES["__setitem__"] = _setitem
    _RULES["cat"] = _RULES["concat"] = _RULES["concatenate"] = _RULES["stack"] = _cat
    _RULES["gather"] = _gather
    _RULES["dot"] = _dot
    _RULES["mv"] = _mv
    _RULES["mm"] = _mm
    _RULES["bmm"] = _bmm
    _RULES["matmul"] = _RULES["__matmul__"] = _RULES["__rmatmul__"] = _matmul
    _RULES["linear"] = _linear
    _RULES["addmm"] = _addmm
    for n in ("flip", "roll"):
        _RULES[n] = _dims_op(1 if n == "flip" else 2, "dims")
    _RULES["topk"] = _dim_op(2, default=-1)
    _RULES["sort"] = _RULES["argsort"] = _dim_op(1, default=-1)
    for n in ("tril", "triu", "layer_norm", "pad"):
        _RULES[n] = _trailing
    _RULES["embedding"] = _embedding
    _RULES["diagonal"] = _diagonal
    _RULES["trace"] = _trace
    _RULES["outer"] = _RULES["ger"] = _outer
    _RULES["repeat"] = _repeat
    _RULES["index_select"] = _index_select
    _RULES["norm"] = _norm
    _RULES["unflatten"] = _unflatten
    _RULES["masked_fill"] = _RULES["masked_fill_"] = _masked_fill
    _RULES["mse_loss"] = _mse_loss
    _RULES["cross_entropy"] = _cross_entropy
    _RULES["nll_loss"] = _nll_loss


def _dims_op(pos: int, name: str, default: Any = None) -> Rule:
    """An op whose dims (an int or a list, at `pos`/`name`) are shifted past the batch dim (flip, roll, ...)."""

    def rule(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
        if not _only_self(args, kwargs, lvl):
            return NotImplemented
        rank = args[0].dim()
        dims, _ = _arg(args, kwargs, pos, name, default)
        if isinstance(dims, int) and not isinstance(dims, bool):
            new: Any = _phys_dim(dims, rank)
        elif isinstance(dims, (list, tuple)) and all(isinstance(d, int) for d in dims):
            new = [_phys_dim(d, rank) for d in dims]
        else:
            return NotImplemented
        a, k = _set_arg(args, kwargs, pos, name, new)
        return _wrap_all(call(_front(args[0], lvl), *a[1:], **k), lvl)

    return rule


def _trailing(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    """An op on the last dims (tril, triu, layer_norm, pad, embedding's lookup): batch dim first, the rest as is."""
    if not _only_self(args, kwargs, lvl):
        return NotImplemented
    return _wrap_all(call(_front(args[0], lvl), *args[1:], **kwargs), lvl)


def _diagonal(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _only_self(args, kwargs, lvl) or args[0].dim() < 2:
        return NotImplemented
    offset, _ = _arg(args, kwargs, 1, "offset", 0)
    d1, _ = _arg(args, kwargs, 2, "dim1", 0)
    d2, _ = _arg(args, kwargs, 3, "dim2", 1)
    rank = args[0].dim()
    return wrap(call(_front(args[0], lvl), offset, _phys_dim(d1, rank), _phys_dim(d2, rank)), 0, lvl)


def _trace(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _only_self(args, kwargs, lvl) or args[0].dim() != 2:
        return NotImplemented
    return args[0].diagonal().sum()  # PyTorch's trace rule: the diagonal's sum


def _outer(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if len(args) != 2 or kwargs:
        return NotImplemented
    a, b = args
    return a.reshape(-1, 1) * b  # outer's decomposition (CompositeImplicit)


def _repeat(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _only_self(args, kwargs, lvl):
        return NotImplemented
    sizes = _shape_arg(args, kwargs, "repeats")
    if sizes is None or len(sizes) != args[0].dim():
        return NotImplemented
    return wrap(call(_front(args[0], lvl), (1, *sizes)), 0, lvl)


def _unflatten(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _only_self(args, kwargs, lvl):
        return NotImplemented
    dim, _ = _arg(args, kwargs, 1, "dim")
    sizes, _ = _arg(args, kwargs, 2, "sizes")
    if not isinstance(dim, int):
        return NotImplemented
    return wrap(call(_front(args[0], lvl), _phys_dim(dim, args[0].dim()), sizes), 0, lvl)


def _masked_fill(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if len(args) != 3 or kwargs or not _batched(args[0], lvl) or _batched(args[2], lvl):
        return NotImplemented
    x, mask = _align([args[0], args[1]], lvl)
    out = call(x, mask, args[2])
    return args[0] if out is x else wrap(out, 0, lvl)


def _embedding(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    weight, _ = _arg(args, kwargs, 1, "weight")
    if not args or not _batched(args[0], lvl) or _batched(weight, lvl) or _any_batched(kwargs.values(), lvl):
        return NotImplemented
    return wrap(call(_front(args[0], lvl), *args[1:], **kwargs), 0, lvl)


def _index_select(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    """PyTorch's rule for a batched input and a shared index: a gather along the shifted dim."""
    if len(args) != 3 or kwargs or not _batched(args[0], lvl) or isinstance(args[2], BatchedTensor):
        return NotImplemented
    x, dim, index = args
    rank = x.dim()
    if rank == 0 or not isinstance(dim, int):
        return NotImplemented
    phys = _front(x, lvl)
    d = _phys_dim(dim, rank)
    shape = [1] * (rank + 1)
    shape[d] = index.numel()
    sizes = list(phys.shape)
    sizes[d] = index.numel()
    return wrap(phys.gather(d, index.reshape(shape).expand(*sizes)), 0, lvl)


def _norm(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    """A whole-tensor 2-norm (Tensor.norm, torch.norm, linalg.norm without ord): a vector norm over the sample's dims."""
    if not _only_self(args, kwargs, lvl) or set(kwargs) - {"p", "ord", "dim", "keepdim"} or len(args) > 4:
        return NotImplemented
    x = args[0]
    p = args[1] if len(args) > 1 else kwargs.get("p", kwargs.get("ord", "fro"))
    dim = args[2] if len(args) > 2 else kwargs.get("dim")
    keepdim = args[3] if len(args) > 3 else kwargs.get("keepdim", False)
    rank = x.dim()
    if dim is not None or rank == 0 or not (p in ("fro", None) or (p == 2 and rank == 1)):
        return NotImplemented
    return wrap(_front(x, lvl).norm(dim=list(range(1, rank + 1)), keepdim=keepdim), 0, lvl)


def _flatten(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if not _only_self(args, kwargs, lvl):
        return NotImplemented
    x = args[0]
    start, _ = _arg(args, kwargs, 1, "start_dim", 0)
    end, _ = _arg(args, kwargs, 2, "end_dim", -1)
    if not isinstance(start, int) or not isinstance(end, int):
        return NotImplemented
    if x.dim() == 0:
        return x.reshape(1)
    return wrap(call(_front(x, lvl), _phys_dim(start, x.dim()), _phys_dim(end, x.dim())), 0, lvl)


def _gather(call: Callable, lvl: int, args: tuple, kwargs: dict) -> Any:
    if len(args) != 3 or kwargs or not isinstance(args[1], int):
        return NotImplemented
    x, dim, index = args
    if not (_batched(x, lvl) and _batched(index, lvl)) or x.dim() == 0:
        return NotImplemented
    return wrap(call(_front(x, lvl), _phys_dim(dim, x.dim()), _front(index, lvl)), 0, lvl)
