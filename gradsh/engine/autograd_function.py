"""torch.autograd.Function: user-defined forward/backward recorded as one graph node.

As in PyTorch, the `ctx` given to forward *is* the backward node (its type is named
`<ClassName>Backward`), so `y.grad_fn` is the object that holds `saved_tensors`, `needs_input_grad`
and whatever attributes forward stored on ctx. The node has one edge per Tensor argument of
`apply`, in argument order; non-tensor arguments get no edge and must receive a None gradient.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import changes
from .changes import note
from .grad_mode import no_grad, state
from .graph import FREED_MESSAGE, Node, SavedTensor, edge
from .ops._core import attach, sum_to
from .tensor import Tensor

# set by torch.func (vmap's check) and forward AD while they are in use: called on every apply
transform_hooks: list = []
tangent_rules: list = []

LEAF_MESSAGE = "a leaf Variable that requires grad has been used in an in-place operation."


class FunctionCtx:
    """What a ctx offers in forward (the node classes below inherit it)."""

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors: Tensor | None) -> None:
        self._saved_for_forward = tensors

    def mark_dirty(self, *tensors: Tensor) -> None:
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The recorded node of one Function.apply call (and the ctx its forward and backward see)."""

    saved = ("_saved", "_to_save")

    def __init__(self) -> None:
        Node.__init__(self, ())
        self._to_save: tuple = ()
        self._saved: list | None = None
        self._dirty: tuple = ()
        self._non_differentiable: tuple = ()
        self.materialize_grads = True
        self.needs_input_grad: tuple = ()
        self._tensor_positions: list[int] = []
        self._out_meta: list = []
        self.n_outputs = 1

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        if self._saved is None:  # forward has not finished yet, or nothing recorded
            return tuple(self._to_save)
        return tuple(s.unpack(self) if isinstance(s, SavedTensor) else s for s in self._saved)

    @property
    def saved_variables(self) -> tuple:
        return self.saved_tensors

    def apply(self, grads: list) -> tuple:
        fn_cls = self._function
        grads = list(grads) + [None] * (len(self._out_meta) - len(grads))
        if self.materialize_grads:
            for i, (g, meta) in enumerate(zip(grads, self._out_meta)):
                if g is None and meta is not None:
                    shape, dt = meta
                    grads[i] = Tensor._wrap(np.zeros(shape, dtype=dt.np), dt)
        result = fn_cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_args = len(self.needs_input_grad)
        if len(result) != n_args:
            if len(result) > n_args and all(r is None for r in result[n_args:]):
                result = result[:n_args]
            else:
                raise RuntimeError(f"function {type(self).__name__} returned an incorrect number of gradients "
                                   f"(expected {n_args}, got {len(result)})")
        positions = set(self._tensor_positions)
        for i, r in enumerate(result):
            if r is not None and i not in positions:
                raise RuntimeError(f"function {type(self).__name__} returned a gradient different than None at "
                                   f"position {i + 1}, but the corresponding forward input was not a Variable")
        out = []
        for k, pos in enumerate(self._tensor_positions):
            g = result[pos]
            if g is not None and self.next_functions[k][0] is not None:
                shape = self._in_shapes[k]
                if not isinstance(g, Tensor):
                    raise TypeError(f"expected Tensor or None as gradient, got {type(g).__name__}")
                if tuple(g._data.shape) != shape:
                    if g._data.size == int(np.prod(shape)) or _broadcastable(shape, g._data.shape):
                        g = sum_to(g, shape) if _broadcastable(shape, g._data.shape) else g.reshape(shape)
                    else:
                        raise RuntimeError(
                            f"Function {type(self).__name__} returned an invalid gradient at index {k} - got "
                            f"[{', '.join(map(str, g._data.shape))}] but expected shape compatible with "
                            f"[{', '.join(map(str, shape))}]")
            out.append(g)
        return tuple(out)

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{type(self).__name__} object at {hex(id(self))}>"


def _broadcastable(target: tuple, shape: tuple) -> bool:
    """Whether a gradient of `shape` sums back to `target` (the engine's rule for expanded gradients)."""
    if len(shape) < len(target):
        return False
    for t, s in zip(reversed(target), reversed(shape)):
        if t != s and t != 1:
            return False
    return True


class FunctionMeta(type):
    """Gives each Function subclass its own node class, `<Name>Backward`."""

    def __init__(cls, name: str, bases: tuple, attrs: dict) -> None:
        backward_cls = type(name + "Backward", (BackwardCFunction,), {"_function": cls, "__module__": cls.__module__})
        cls._backward_cls = backward_cls
        if not cls.__module__.startswith("gradsh."):
            changes.callbacks[0] = True  # its backward is user code that backward() will run
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Subclass with static `forward(ctx, *args)` (or `forward(*args)` plus `setup_context`) and `backward`."""

    generate_vmap_rule = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions are all static, so "
                      "you should invoke them on the class itself. Instantiating an autograd function will raise an "
                      "error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd "
            "function with static forward method. (Example: https://pytorch.org/docs/stable/autograd.html"
            "#torch.autograd.Function)")

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx: Any, *grad_inputs: Any) -> Any:
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it with "
                                  "forward mode AD.")

    @staticmethod
    def vmap(info: Any, in_dims: Any, *args: Any) -> Any:
        raise NotImplementedError("To use autograd.Function with vmap, you must either override the vmap staticmethod "
                                  "or set generate_vmap_rule=True.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        if transform_hooks:  # torch.func / forward AD are watching (func.py, forward_ad.py)
            for hook in transform_hooks:
                hook(cls, args)
        ctx = cls._backward_cls()
        tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        ctx._tensor_positions = tensor_positions
        recording = state.recording and any(ctx.needs_input_grad)
        custom_setup = cls.setup_context is not Function.setup_context
        with no_grad():
            if custom_setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        is_tuple = isinstance(output, tuple)
        outputs = list(output) if is_tuple else [output]
        inputs_by_id = {id(args[i]): args[i] for i in tensor_positions}
        dirty = {id(t) for t in ctx._dirty}
        for t in ctx._dirty:  # marked dirty: one more version, as PyTorch counts it
            t._vc[0] += 1
            note(t)
        non_diff = {id(t) for t in ctx._non_differentiable}
        for i, o in enumerate(outputs):
            if isinstance(o, Tensor) and id(o) in inputs_by_id and id(o) not in dirty:
                # an input returned as it is: the output is a new tensor object sharing its data
                alias = Tensor._wrap(o._data, o.dtype)
                alias._vc = o._vc
                outputs[i] = alias
        if recording:
            ctx.next_functions = tuple(edge(args[i]) for i in tensor_positions)
            ctx._in_shapes = [tuple(args[i]._data.shape) for i in tensor_positions]
            ctx.n_outputs = len(outputs)
            ctx._out_meta = [(o._data.shape, o.dtype) if isinstance(o, Tensor) else None for o in outputs]
            for i, o in enumerate(outputs):
                if not isinstance(o, Tensor):
                    continue
                if id(o) in dirty and o._rg and o._grad_fn is None:
                    raise RuntimeError(LEAF_MESSAGE)
                if id(o) in non_diff or not (o.dtype.is_floating_point or o.dtype.is_complex):
                    continue
                attach(o, ctx, i)
            out_ids = {id(o) for o in outputs if isinstance(o, Tensor)}
            saved = []
            for t in ctx._to_save:
                if t is None:
                    saved.append(None)
                elif id(t) in out_ids and t._grad_fn is ctx:
                    s = SavedTensor(t, is_output=True)
                    s.rg = True
                    saved.append(s)
                else:
                    saved.append(SavedTensor(t))
            ctx._saved = saved
            ctx._to_save = ()
        elif ctx._to_save:
            ctx._saved = [t if t is None else SavedTensor(t) for t in ctx._to_save]
            ctx._to_save = ()
        result = tuple(outputs) if is_tuple else outputs[0]
        if tangent_rules:  # forward AD is on: the Function's jvp gives its outputs' tangents
            tangent_rules[0](cls, ctx, args, result)
        return result


def once_differentiable(fn: Callable) -> Callable:
    """Run backward under no_grad: its result cannot be differentiated again."""

    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        with no_grad():
            return fn(ctx, *args)

    return wrapper


__all__ = ["BackwardCFunction", "Function", "FunctionCtx", "once_differentiable"]
