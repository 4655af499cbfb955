"""Copies of PyTorch values on the backend: tensors through numpy, dtypes, sizes, modules, functions.

A Converter remembers the tensors it copied that require grad (`leaves`, pairs of torch tensor and
copy), so that gradients can be compared with respect to the same inputs on both sides. What it cannot
copy (sparse or non-CPU tensors, generators, memory formats, ...) raises Skip.
"""

from __future__ import annotations

import contextlib
import dataclasses
import types
import warnings
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from .compare import dtype_name
from .outcome import Skip

# Namespaces searched, in order, for a torch function handed to a constructor (activation=F.gelu).
FUNCTION_NAMESPACES = ("nn.functional", "special", "")
# The constructor arguments of each torch.nn.Module made while recording (TransformerEncoder's layer).
_CTOR_ARGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_recording = [False]


def resolve(namespace: Any, dotted: str) -> Any:
    """`namespace.a.b` for dotted "a.b" ("" gives the namespace itself)."""
    for part in filter(None, dotted.split(".")):
        namespace = getattr(namespace, part)
    return namespace


def seed(M: Any, s: int) -> None:
    """manual_seed(s) on side M (torch or the backend), right before the call both sides make."""
    manual_seed = getattr(M, "manual_seed", None)
    if manual_seed is not None:
        manual_seed(s)


def _recording_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    module = object.__new__(cls)
    if _recording[0]:
        _CTOR_ARGS[module] = (args, dict(kwargs))
    return module


@contextlib.contextmanager
def recording_module_args() -> Iterator[None]:
    """While active, each torch.nn.Module made remembers its constructor arguments.

    The `__new__` stays installed afterwards (only the recording stops): removing it would leave
    CPython's constructor slot calling object.__new__ with the constructor's arguments, a TypeError.
    """
    if torch.nn.Module.__dict__.get("__new__") is None:
        torch.nn.Module.__new__ = staticmethod(_recording_new)
    _recording[0] = True
    try:
        yield
    finally:
        _recording[0] = False


class Converter:
    """Copies torch values into values of namespace M (the backend, or torch itself for a fresh copy)."""

    def __init__(self, M: Any, whole_storage: bool = False) -> None:
        self.M = M
        self.whole_storage = whole_storage  # refuse views: the result would depend on the storage behind
        self.memo: dict[int, Any] = {}
        self.leaves: list[tuple[torch.Tensor, Any]] = []

    def dtype(self, dt: torch.dtype) -> Any:
        return getattr(self.M, dtype_name(dt))  # a dtype the backend lacks raises its AttributeError

    def __call__(self, x: Any) -> Any:
        if isinstance(x, (torch.Tensor, torch.nn.Module)):
            if id(x) not in self.memo:
                self.memo[id(x)] = self.tensor(x) if isinstance(x, torch.Tensor) else self.module(x)
                if isinstance(x, torch.Tensor) and x.requires_grad:
                    self.leaves.append((x, self.memo[id(x)]))
            return self.memo[id(x)]
        if isinstance(x, torch.dtype):
            return self.dtype(x)
        if isinstance(x, torch.Size):
            size = getattr(self.M, "Size", None)
            return size(tuple(x)) if size is not None else tuple(x)
        if isinstance(x, torch.device):
            if x.type != "cpu":
                raise Skip(f"device {x}")
            return "cpu"
        if x is None or x is Ellipsis or isinstance(x, (bool, int, float, complex, str, slice, np.generic)):
            return x
        if isinstance(x, (list, tuple)):
            values = [self(v) for v in x]
            return values if isinstance(x, list) else tuple(values)
        if isinstance(x, dict):
            return {k: self(v) for k, v in x.items()}
        if isinstance(x, (types.FunctionType, types.BuiltinFunctionType)):
            return self.function(x)
        if dataclasses.is_dataclass(x) and not isinstance(x, type):  # an options object of torch.nn
            cls = getattr(self.M.nn, type(x).__name__)
            return cls(**{f.name: self(getattr(x, f.name)) for f in dataclasses.fields(x) if f.init})
        raise Skip(f"argument of type {type(x).__name__}")

    def tensor(self, x: torch.Tensor) -> Any:
        if x.layout != torch.strided or x.device.type != "cpu" or x.is_quantized or x.is_nested:
            raise Skip(f"{x.layout} tensor on {x.device}")
        if self.whole_storage and (
            x.storage_offset() or not x.is_contiguous() or x.untyped_storage().nbytes() != x.numel() * x.element_size()
        ):
            raise Skip("a view into a larger storage (the result depends on the storage)")
        dtype = self.dtype(x.dtype)
        t = x.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        elif t.dtype == torch.complex32:
            t = t.to(torch.complex64)
        try:
            array = t.resolve_conj().resolve_neg().numpy().copy()
        except TypeError as e:
            raise Skip(f"{dtype_name(x.dtype)} has no numpy dtype") from e
        if isinstance(x, torch.nn.Parameter):
            copy = self.M.nn.Parameter(self.M.tensor(array, dtype=dtype), requires_grad=x.requires_grad)
        else:
            copy = self.M.tensor(array, dtype=dtype, requires_grad=x.requires_grad)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # .grad of a non-leaf warns
            grad = x.grad
        if grad is not None:
            copy.grad = self(grad)
        return copy

    def module(self, x: torch.nn.Module) -> Any:
        """A backend module built from the arguments `x` was made with, holding `x`'s state."""
        if x not in _CTOR_ARGS:
            raise Skip(f"a {type(x).__name__} argument made outside the sample generator")
        args, kwargs = _CTOR_ARGS[x]
        module = getattr(self.M.nn, type(x).__name__)(*self(tuple(args)), **self(kwargs))
        load_state(module, x.state_dict(), Converter(self.M))
        module.train(x.training)
        return module

    def function(self, x: Any) -> Any:
        name = getattr(x, "__name__", "")
        for namespace in FUNCTION_NAMESPACES:
            if name and getattr(resolve(torch, namespace), name, None) is x:
                return resolve(self.M, f"{namespace}.{name}")
        raise Skip(f"function {getattr(x, '__module__', '?')}.{name}")


def load_state(module: Any, state: dict[str, torch.Tensor], conv: Converter) -> None:
    """Torch's state_dict into backend `module`: load_state_dict, or attributes set directly."""
    values = {k: conv(v) for k, v in state.items()}
    load = getattr(module, "load_state_dict", None)
    if load is not None:
        load(values)
        return
    params = {n for n, _ in module.named_parameters()}
    for key, value in values.items():
        owner, _, leaf = key.rpartition(".")
        sub = module.get_submodule(owner) if owner else module
        setattr(sub, leaf, conv.M.nn.Parameter(value) if key in params else value)
