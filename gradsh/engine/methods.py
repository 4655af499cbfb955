"""Attach the ops as Tensor methods and operators: the one table from names to implementations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import creation
from .ops import conversion, indexing, inplace, joining, linalg, random_ops, reduction, views
from .ops import elementwise as ew
from .tensor import Tensor

_ARRAYS = (np.ndarray,)


def _binary(op: Callable) -> Callable:
    """An operator: numpy arrays are left to numpy (which converts the tensor, as with PyTorch)."""

    def operator(self: Tensor, other: Any) -> Any:
        if isinstance(other, _ARRAYS):
            return NotImplemented
        return op(self, other)

    return operator


def _inplace_operator(op: Callable) -> Callable:
    def operator(self: Tensor, other: Any) -> Tensor:
        return inplace.apply_inplace(self, op, other)

    return operator


def _reflected(op: Callable) -> Callable:
    def operator(self: Tensor, other: Any) -> Any:
        if isinstance(other, _ARRAYS):
            return NotImplemented
        return op(other, self)

    return operator


def _tensor_first(op: Callable) -> Callable:
    """torch.add(a, b) with a Python number first: PyTorch makes it a tensor."""
    from .ops._core import to_tensor

    def fn(a: Any, b: Any, *args: Any, **kwargs: Any) -> Tensor:
        if not isinstance(a, Tensor):
            a = to_tensor(a)
        return op(a, b, *args, **kwargs)

    fn.__name__ = op.__name__
    return fn


METHODS: dict[str, Callable] = {
    # arithmetic
    "add": ew.add, "sub": ew.sub, "subtract": ew.sub, "mul": ew.mul, "multiply": ew.mul, "div": ew.div,
    "divide": ew.div, "true_divide": ew.div, "pow": ew.pow, "neg": ew.neg, "negative": ew.neg,
    "floor_divide": ew.floor_divide, "remainder": ew.remainder, "fmod": ew.remainder,
    "exp": ew.exp, "log": ew.log, "sin": ew.sin, "cos": ew.cos, "tanh": ew.tanh, "sigmoid": ew.sigmoid,
    "relu": ew.relu, "abs": ew.abs, "sqrt": ew.sqrt, "rsqrt": ew.rsqrt, "reciprocal": ew.reciprocal,
    "log1p": ew.log1p, "expm1": ew.expm1, "sinh": ew.sinh, "cosh": ew.cosh, "atan": ew.atan, "floor": ew.floor,
    "ceil": ew.ceil, "round": ew.round, "trunc": ew.trunc, "sign": ew.sign, "square": ew.square,
    "clamp": ew.clamp, "clip": ew.clamp, "clamp_min": ew.clamp_min, "clamp_max": ew.clamp_max,
    "maximum": ew.maximum, "minimum": ew.minimum, "where": lambda self, cond, other: ew.where(cond, self, other),
    "rsub": ew.rsub,
    # comparisons and logic
    "eq": ew.eq, "ne": ew.ne, "lt": ew.lt, "le": ew.le, "gt": ew.gt, "ge": ew.ge,
    "logical_and": ew.logical_and, "logical_or": ew.logical_or, "logical_xor": ew.logical_xor,
    "logical_not": ew.logical_not, "isnan": ew.isnan, "isinf": ew.isinf, "isfinite": ew.isfinite,
    "bitwise_not": ew.bitwise_not,
    # reductions
    "sum": reduction.sum, "mean": reduction.mean, "max": reduction.max, "min": reduction.min,
    "argmax": reduction.argmax, "argmin": reduction.argmin, "softmax": reduction.softmax,
    "log_softmax": reduction.log_softmax, "amax": reduction.amax, "amin": reduction.amin, "prod": reduction.prod,
    "norm": reduction.norm, "std": reduction.std, "var": reduction.var, "equal": reduction.equal,
    # linear algebra
    "matmul": linalg.matmul, "mm": linalg.mm, "mv": linalg.mv, "dot": linalg.dot, "bmm": linalg.bmm,
    "outer": linalg.outer,
    # views and shapes
    "view": views.view, "view_as": views.view_as, "reshape": views.reshape, "reshape_as": views.reshape_as,
    "flatten": views.flatten, "unflatten": views.unflatten, "unsqueeze": views.unsqueeze,
    "squeeze": views.squeeze, "permute": views.permute, "transpose": views.transpose, "swapaxes": views.transpose,
    "t": views.t, "expand": views.expand, "expand_as": views.expand_as, "select": views.select,
    "narrow": views.narrow, "split": views.split, "chunk": views.chunk, "unbind": views.unbind,
    "movedim": views.movedim, "diagonal": views.diagonal,
    # indexing
    "gather": indexing.gather, "index_select": indexing.index_select, "masked_fill": indexing.masked_fill,
    "masked_select": indexing.masked_select, "nonzero": indexing.nonzero,
    "repeat": joining.repeat,
    # copies and conversions
    "clone": conversion.clone, "contiguous": conversion.contiguous, "to": conversion.to, "type": conversion.type_,
    "float": conversion.float_, "double": conversion.double, "half": conversion.half,
    "bfloat16": conversion.bfloat16, "long": conversion.long, "int": conversion.int_, "short": conversion.short,
    "bool": conversion.bool_, "byte": conversion.byte, "char": conversion.char, "cfloat": conversion.cfloat,
    "cdouble": conversion.cdouble, "detach": conversion.detach, "detach_": conversion.detach_,
    "cpu": lambda self: self, "new_tensor": creation.new_tensor, "new_zeros": creation.new_zeros,
    "new_ones": creation.new_ones, "new_empty": creation.new_empty, "new_full": creation.new_full,
    # in-place
    "zero_": inplace.zero_, "fill_": inplace.fill_, "copy_": inplace.copy_,
    # random sampling (in-place samplers go through apply_inplace)
    "normal_": random_ops.normal_, "uniform_": random_ops.uniform_, "random_": random_ops.random_,
    "bernoulli_": random_ops.bernoulli_, "exponential_": random_ops.exponential_, "cauchy_": random_ops.cauchy_,
    "log_normal_": random_ops.log_normal_, "geometric_": random_ops.geometric_, "bernoulli": random_ops.bernoulli,
    "multinomial": random_ops.multinomial, "topk": random_ops.topk,
}

# in-place forms of out-of-place ops: add_ from add, and so on
for _name in ("add", "sub", "mul", "div", "pow", "clamp", "clamp_min", "clamp_max", "exp", "log", "sin", "cos",
              "tanh", "sigmoid", "relu", "abs", "sqrt", "rsqrt", "reciprocal", "neg", "floor", "ceil", "round",
              "trunc", "sign", "masked_fill", "log1p", "expm1", "remainder", "square"):
    METHODS[_name + "_"] = inplace.make_inplace(METHODS[_name])
METHODS["clip_"] = METHODS["clamp_"]
METHODS["subtract_"] = METHODS["sub_"]
METHODS["multiply_"] = METHODS["mul_"]
METHODS["divide_"] = METHODS["div_"]

OPERATORS: dict[str, Callable] = {
    "__add__": _binary(ew.add), "__radd__": _binary(ew.add), "__sub__": _binary(ew.sub),
    "__rsub__": _binary(ew.rsub), "__mul__": _binary(ew.mul), "__rmul__": _binary(ew.mul),
    "__truediv__": _binary(ew.div), "__rtruediv__": _binary(ew.rdiv), "__pow__": _binary(ew.pow),
    "__rpow__": _binary(ew.rpow), "__matmul__": _binary(linalg.matmul), "__rmatmul__": _reflected(linalg.matmul),
    "__floordiv__": _binary(ew.floor_divide),
    "__rfloordiv__": _reflected(lambda a, b: ew.floor_divide(creation.tensor(a) if not isinstance(a, Tensor)
                                                              else a, b)),
    "__mod__": _binary(ew.remainder),
    "__neg__": ew.neg, "__pos__": lambda self: self, "__abs__": ew.abs,
    "__eq__": _binary(ew.eq), "__ne__": _binary(ew.ne), "__lt__": _binary(ew.lt), "__le__": _binary(ew.le),
    "__gt__": _binary(ew.gt), "__ge__": _binary(ew.ge),
    "__and__": _binary(ew.bitwise_and), "__or__": _binary(ew.bitwise_or), "__xor__": _binary(ew.bitwise_xor),
    "__rand__": _binary(ew.bitwise_and), "__ror__": _binary(ew.bitwise_or), "__rxor__": _binary(ew.bitwise_xor),
    "__invert__": ew.bitwise_not,
    "__iadd__": _inplace_operator(ew.add), "__isub__": _inplace_operator(ew.sub),
    "__imul__": _inplace_operator(ew.mul), "__itruediv__": _inplace_operator(ew.div),
    "__ipow__": _inplace_operator(ew.pow),
    "__getitem__": indexing.getitem, "__setitem__": inplace.setitem,
}

PROPERTIES: dict[str, property] = {
    "T": property(views.T), "mT": property(views.mT),
    "data": property(conversion.data_of, conversion.set_data),
}


def install() -> None:
    for name, fn in {**METHODS, **OPERATORS}.items():
        setattr(Tensor, name, fn)
    for name, prop in PROPERTIES.items():
        setattr(Tensor, name, prop)


install()

# the torch.* functions that take the tensor first
FUNCTIONS: dict[str, Callable] = {
    name: METHODS[name] for name in (
        "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg", "negative", "floor_divide",
        "remainder", "fmod", "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "sqrt", "rsqrt",
        "reciprocal", "log1p", "expm1", "sinh", "cosh", "atan", "floor", "ceil", "round", "trunc", "sign", "square",
        "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
        "logical_and", "logical_or",
        "logical_xor", "logical_not", "isnan", "isinf", "isfinite", "sum", "mean", "max", "min", "argmax",
        "argmin", "softmax", "log_softmax", "amax", "amin", "prod", "norm", "std", "var", "equal", "matmul", "mm", "mv", "dot", "bmm", "outer", "reshape", "flatten",
        "unflatten", "unsqueeze", "squeeze", "permute", "transpose", "swapaxes", "t", "select", "narrow", "split",
        "chunk", "unbind", "movedim", "diagonal", "gather", "index_select", "masked_fill", "masked_select",
        "nonzero", "clone", "detach", "rsub",
    )
}
FUNCTIONS["add"] = _tensor_first(ew.add)
FUNCTIONS["pow"] = lambda a, b: ew.pow(a, b) if isinstance(a, Tensor) else ew.rpow(b, a)
FUNCTIONS["where"] = ew.where
FUNCTIONS["cat"] = joining.cat
FUNCTIONS["concat"] = joining.cat
FUNCTIONS["concatenate"] = joining.cat
FUNCTIONS["stack"] = joining.stack
FUNCTIONS["addmm"] = linalg.addmm
for _name in ("bernoulli", "multinomial", "topk"):
    FUNCTIONS[_name] = METHODS[_name]

# logsumexp, cumsum, isclose/allclose, scatter, index_add (ops/extra.py)
from .ops import extra as _extra

_EXTRA_METHODS: dict[str, Callable] = {
    "logsumexp": _extra.logsumexp, "cumsum": _extra.cumsum, "erf": _extra.erf, "isclose": _extra.isclose, "allclose": _extra.allclose,
    "scatter": _extra.scatter, "scatter_": _extra.scatter_, "scatter_add": _extra.scatter_add,
    "index_add": _extra.index_add, "index_add_": _extra.index_add_,
}
METHODS.update(_EXTRA_METHODS)
for _name, _fn in _EXTRA_METHODS.items():
    setattr(Tensor, _name, _fn)
    if not _name.endswith("_"):
        FUNCTIONS[_name] = _fn
