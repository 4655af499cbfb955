"""torch.autograd.graph: what a Node shows of itself, gradient edges, multi-tensor hooks, saved-tensor hooks.

A node's `_saved_<name>` attributes are derived from the slots it declares in `saved` (and a few
non-tensor slots), under the names PyTorch's generated nodes use (derivatives.yaml): `self`, `other`,
`result`, ... per node class. Saved-tensor hooks wrap `SavedTensor` (graph.py): the pack hook runs when
a tensor is saved, the unpack hook each time the node (or the user) reads it.
"""

from __future__ import annotations

import contextlib
import itertools
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from . import changes, dtypes
from . import graph as graph_mod
from .changes import note
from .graph import FREED_MESSAGE, AccumulateGrad, Node, SavedTensor, accumulator
from .hooks import RemovableHandle
from .tensor import Tensor

# ----- `_saved_*` attributes ----------------------------------------------------------------------------

# the usual slot names of the engine's nodes and the argument names PyTorch saves them under
_DEFAULT_NAMES = {"x": "self", "a": "self", "b": "other", "y": "other", "out": "result", "t": "target"}
# nodes whose slots PyTorch names otherwise, and the non-tensor values it shows: name -> (slot, convert)
_SIZES = "sizes"
_CLASS_NAMES: dict[str, dict[str, Any]] = {
    "DotBackward0": {"a": "self", "b": "tensor"},
    "MvBackward0": {"a": "self", "v": "vec"},
    "MmBackward0": {"a": "self", "b": "mat2"},
    "BmmBackward0": {"a": "self", "b": "mat2"},
    "AddmmBackward0": {"m1": "mat1", "m2": "mat2", "alpha": "alpha", "beta": "beta"},
    "MseLossBackward0": {"x": "self", "y": "target", "reduction": "reduction"},
    "PowBackward0": {"x": "self", "exponent": "exponent"},
    "PowBackward1": {"x": "self", "y": "exponent", "out": "result"},
    "PowBackward2": {"base": "self", "out": "result"},
    "AddBackward0": {"alpha": "alpha"},
    "SubBackward0": {"alpha": "alpha"},
    "RsubBackward0": {"alpha": "alpha"},
    "RsubBackward1": {"alpha": "alpha"},
    "SumBackward0": {"shape": "self_sym_sizes"},
    "SumBackward1": {"dims": "dim", "keepdim": "keepdim", "shape": "self_sym_sizes"},
    "MeanBackward0": {"n": "self_sym_numel", "shape": "self_sym_sizes"},
    "ViewBackward0": {"shape": "self_sym_sizes"},
    "ExpandBackward0": {"shape": "self_sym_sizes"},
    "SelectBackward0": {"dim": "dim", "index": "index", "shape": "self_sym_sizes"},
    "TransposeBackward0": {"d0": "dim0", "d1": "dim1"},
    "PermuteBackward0": {"dims": "dims"},
    "UnsqueezeBackward0": {"dim": "dim"},
    "ClampBackward1": {"x": "self", "lo": "min", "hi": "max"},
    "ClampMinBackward0": {"x": "self", "lo": "min"},
    "ClampMaxBackward0": {"x": "self", "hi": "max"},
    "ClampBackward0": {"x": "self", "lo": "min", "hi": "max"},
    "SoftmaxBackward0": {"dim": "dim", "out": "result"},
    "LogSoftmaxBackward0": {"dim": "dim", "out": "result"},
    "LeakyReluBackward0": {"x": "self", "slope": "negative_slope"},
    "GatherBackward0": {"dim": "dim", "index": "index", "x": "self"},
    "IndexSelectBackward0": {"dim": "dim", "index": "index", "shape": "self_sym_sizes"},
    "WhereBackward0": {"cond": "condition"},
    "MaskedFillBackward0": {"mask": "mask"},
    "CumsumBackward0": {"dim": "dim"},
    "MaxBackward0": {"dim": "dim", "indices": "indices", "keepdim": "keepdim", "shape": "self_sym_sizes"},
    "MinBackward0": {"dim": "dim", "indices": "indices", "keepdim": "keepdim", "shape": "self_sym_sizes"},
    "TanhBackwardBackward0": {"grad_output": "grad_output", "output": "output"},
    "SigmoidBackwardBackward0": {"grad_output": "grad_output", "output": "output"},
}
# PyTorch keeps a reduction as its enum value
_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def _attribute_slots(node: Node) -> dict[str, str]:
    """PyTorch attribute name (without `_saved_`) -> slot of this node."""
    names = _CLASS_NAMES.get(type(node).__name__)
    out: dict[str, str] = {}
    for slot in node.saved:
        if names is not None and slot in names:
            out[names[slot]] = slot
            continue
        value = _peek(node, slot)
        if slot == "saved_value":  # a unary row (ops/unary.py): its input or its result
            out["result" if getattr(node, "saves_result", False) else "self"] = slot
        elif type(value) is SavedTensor and value.is_output:
            out["result"] = slot
        elif slot in _DEFAULT_NAMES:
            out[_DEFAULT_NAMES[slot]] = slot
    if names is not None:
        for slot, name in names.items():
            if slot not in node.saved and name not in out:
                out[name] = slot
    return out


def _peek(node: Node, slot: str) -> Any:
    try:
        return object.__getattribute__(node, slot)
    except AttributeError:
        return None


def saved_attribute_names(node: Node) -> list[str]:
    names = []
    for name, slot in _attribute_slots(node).items():
        names.append("_saved_" + name)
        if slot in node.saved:
            names.append("_raw_saved_" + name)
    return names


def saved_attribute(node: Node, name: str) -> Any:
    """`node._saved_self`, `node._raw_saved_self`, ... as PyTorch's generated nodes have them."""
    raw = name.startswith("_raw_saved_")
    key = name[len("_raw_saved_"):] if raw else name[len("_saved_"):]
    slot = _attribute_slots(node).get(key)
    if slot is None or (raw and slot not in node.saved):
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '{name}'")
    value = _peek(node, slot)
    is_tensor_slot = slot in node.saved
    if raw:
        return SavedTensorView(node, slot)
    if is_tensor_slot:
        if value is None:  # never saved (PyTorch's undefined saved variable), freed or not
            return None
        if node._freed:
            raise RuntimeError(FREED_MESSAGE)
        if type(value) is SavedTensor:
            return value.unpack(node)
        if value is None or isinstance(value, Tensor):
            return value
        return _scalar_tensor(value)
    return _plain(key, value)


def _scalar_tensor(value: Any) -> Tensor:
    """A Python number saved in a tensor's place: PyTorch keeps it as a wrapped 0-d tensor."""

    dt = dtypes.float64 if isinstance(value, float) else dtypes.int64 if isinstance(value, int) else dtypes.complex128

    return Tensor._wrap(np.asarray(value, dtype=dt.np), dt)


def _plain(key: str, value: Any) -> Any:
    if key == "reduction" and isinstance(value, str):
        return _REDUCTIONS[value]
    if key.endswith("sym_sizes"):
        return tuple(int(s) for s in value)
    if key == "dim" and isinstance(value, (tuple, list)):
        return tuple(value)
    if hasattr(value, "item") and not isinstance(value, Tensor):
        return value.item()
    return value


class SavedTensorView:
    """`node._raw_saved_x`: the saved slot itself, where pack/unpack hooks can be registered."""

    def __init__(self, node: Node, slot: str) -> None:
        self._node = node
        self._slot = slot

    def _saved(self) -> Any:
        return _peek(self._node, self._slot)

    def register_hooks(self, pack_hook: Callable, unpack_hook: Callable) -> None:
        if not (callable(pack_hook) and callable(unpack_hook)):
            raise TypeError(
                "register_hooks(): incompatible function arguments. The following argument types are supported:\n"
                "    1. (self: torch._C._autograd.SavedTensor, arg0: collections.abc.Callable, arg1: "
                "collections.abc.Callable) -> None\n\n"
                f"Invoked with: {self!r}, {pack_hook!r}, {unpack_hook!r}"
            )
        saved = self._saved()
        if self._node._freed:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor after it has been freed. Saved intermediate values of "
                "the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you "
                "need to backward through the graph a second time or if you need to access saved variables after "
                "calling backward."
            )
        if type(saved) is not SavedTensor:
            raise RuntimeError("Calling register_hooks on a saved tensor with value None is forbidden")
        if saved.hooks is not None:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor whose hooks have already been set. Hint: only one pair of "
                "hooks is allowed at a time."
            )
        value = saved.unpack(self._node)
        # the pack hook sees the saved data (PyTorch passes it without its autograd history)
        _pack_with(saved, value.detach(), pack_hook, unpack_hook)
        saved.hooks = saved.hooks[:2] + (value._grad_fn, value._output_nr, value._rg, value._accum)

    def unpack(self) -> Any:
        return saved_attribute(self._node, "_saved_" + _name_of(self._node, self._slot))

    def __repr__(self) -> str:
        return f"<torch._C._autograd.SavedTensor object at {hex(id(self))}>"


def _name_of(node: Node, slot: str) -> str:
    for name, s in _attribute_slots(node).items():
        if s == slot:
            return name
    return slot


# ----- saved-tensor hooks -----------------------------------------------------------------------------

_disabled_message: list[str | None] = [None]
# saved outputs whose pack waits until the op has attached its node (the hook sees the output's grad_fn)
pending_output_packs = graph_mod.pending_output_packs


def pack_saved(saved: SavedTensor, t: Tensor) -> None:
    """Called by SavedTensor while saved_tensors_hooks are in force."""
    pack, unpack = graph_mod.saved_tensor_hooks[-1]
    if saved.is_output and t._grad_fn is None:
        pending_output_packs.append((saved, t, pack, unpack))
        return
    _pack_with(saved, t, pack, unpack)


def flush_output_packs(out: Tensor) -> None:
    """The op attached `out` to its node: run the pack hooks that were waiting for it."""
    waiting = [p for p in pending_output_packs if p[1] is out]
    for p in waiting:
        pending_output_packs.remove(p)
        _pack_with(p[0], out, p[2], p[3])


def _pack_with(saved: SavedTensor, t: Tensor, pack: Callable, unpack: Callable) -> None:
    packed = pack(t)
    if getattr(pack, "keeps_a_copy", False):  # allow_mutation_on_saved_tensors: later changes cannot reach it
        saved.counter = [saved.version]
    saved.hooks = (unpack, packed, t._grad_fn, t._output_nr, t._rg, t._accum)


def unpack_saved(saved: SavedTensor, node: Node) -> Tensor:
    unpack, packed, grad_fn, output_nr, rg, accum = saved.hooks
    value = unpack(packed)
    if not isinstance(value, Tensor):
        raise TypeError(
            f"Output of saved tensor unpack_hook expected to be a Tensor but got result of type {type(value).__name__}"
        )
    out = Tensor._wrap(value._data, value.dtype)
    out._vc = value._vc
    if saved.is_output:
        grad_fn, output_nr, rg = node, 0, saved.rg
    if rg and graph_mod.state.recording:
        out._rg = True
        out._grad_fn = grad_fn
        out._output_nr = output_nr
        out._accum = accum
    elif rg and grad_fn is None:
        out._rg = True
        out._accum = accum
    elif rg:
        out._rg = True
        out._grad_fn = grad_fn
        out._output_nr = output_nr
    return out


class saved_tensors_hooks:  # PyTorch's name
    """Context manager: tensors saved for backward go through `pack_hook`, and come back through `unpack_hook`."""

    def __init__(self, pack_hook: Callable[[Tensor], Any], unpack_hook: Callable[[Any], Tensor]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        if _disabled_message[0] is not None:
            raise RuntimeError(_disabled_message[0])
        graph_mod.saved_tensor_hooks.append((self.pack_hook, self.unpack_hook))
        changes.callbacks[0] = True  # unpack hooks run during backward

    def __exit__(self, *args: object) -> None:
        graph_mod.saved_tensor_hooks.pop()
        if not graph_mod.saved_tensor_hooks:
            for saved, t, pack, unpack in pending_output_packs:
                _pack_with(saved, t, pack, unpack)
            pending_output_packs.clear()


class save_on_cpu(saved_tensors_hooks):  # PyTorch's name
    """Saved tensors are kept on the CPU (where gradsh's tensors already are) and moved back when used."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack_to_cpu(tensor: Tensor) -> tuple:
            return (tensor.device, tensor.cpu())

        def unpack_from_cpu(packed: tuple) -> Tensor:
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str) -> Iterator[None]:
    previous = _disabled_message[0]
    _disabled_message[0] = error_message
    try:
        yield
    finally:
        _disabled_message[0] = previous


class _AllowMutationOnSavedContext:
    """The graph recorded inside allow_mutation_on_saved_tensors keeps copies of what it saved."""

    def __init__(self) -> None:
        self.active = True

    def __repr__(self) -> str:
        return f"<torch.autograd.graph._AllowMutationOnSavedContext object at {hex(id(self))}>"


_mutation_context: list[_AllowMutationOnSavedContext | None] = [None]


@contextlib.contextmanager
def allow_mutation_on_saved_tensors() -> Iterator[_AllowMutationOnSavedContext]:
    """Tensors saved for backward may be changed in place: the graph keeps a copy of each as it was."""
    if _mutation_context[0] is not None:
        raise RuntimeError("allow_mutation_on_saved_tensors contexts cannot be nested")
    ctx = _AllowMutationOnSavedContext()

    def pack(t: Tensor) -> Tensor:
        return t.detach().clone()

    def unpack(copy: Tensor) -> Tensor:
        if not ctx.active:
            raise AssertionError("Trying to backward outside of the 'allow_mutation_on_saved_tensors' context"
                                 "in which the graph was originally recorded.")
        return copy

    pack.keeps_a_copy = True  # type: ignore[attr-defined]
    _mutation_context[0] = ctx
    try:
        with saved_tensors_hooks(pack, unpack):
            yield ctx
    finally:
        ctx.active = False
        _mutation_context[0] = None


def increment_version(tensor: Tensor | Iterable[Tensor]) -> None:
    """Mark tensors as modified in place (for changes autograd could not see)."""
    tensors = (tensor,) if isinstance(tensor, Tensor) else tensor
    for t in tensors:
        if not t._inference:
            t._vc[0] += 1
            note(t)


# ----- gradient edges and multi-tensor hooks ----------------------------------------------------------


class GradientEdge(NamedTuple):
    """An edge of the graph: a node and which of its inputs."""

    node: Node
    output_nr: int
    ownership_token: Any = None


def get_gradient_edge(tensor: Tensor) -> GradientEdge:
    if not tensor.requires_grad:
        raise RuntimeError(
            "It is not possible to get the gradient edge for a Tensor that does not require gradients"
        )
    fn = tensor.grad_fn
    if fn is None:
        return GradientEdge(accumulator(tensor), 0)
    return GradientEdge(fn, tensor._output_nr)


def _grad_fn_or_accumulator(t: Tensor) -> Node:
    fn = t.grad_fn
    return fn if fn is not None else accumulator(t)


class _MultiHandle(RemovableHandle):
    def __init__(self, handles: tuple) -> None:
        self.handles = handles

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


_task_ids = itertools.count()


def register_multi_grad_hook(tensors: Sequence[Tensor], fn: Callable, *, mode: str = "all") -> RemovableHandle:
    """Call `fn` once the gradients of all (mode "all") or the first (mode "any") of `tensors` are computed."""
    from . import backward as backward_mod  # cycle: backward imports tensor, which this module needs first

    supported = ("all", "any")
    if mode not in supported:
        raise ValueError(f"Expects mode to be one of {supported} but got {mode}")
    tensors = list(tensors)
    if mode == "all":
        count: dict = {}
        buffers: dict = {}
        n = len(tensors)
        grad_fns = [_grad_fn_or_accumulator(t) if t.requires_grad else None for t in tensors]

        def all_hook(idx: int) -> Callable:
            def inner(grad: Tensor) -> None:
                task = backward_mod.current_task()
                key = id(task)
                if key not in buffers:
                    buffers[key] = [None] * n
                    count[key] = 0
                buffers[key][idx] = grad
                count[key] += 1
                expected = sum(1 for f in grad_fns if f is not None and task.will_execute(f))
                if count[key] == expected:
                    grads = buffers.pop(key)
                    del count[key]
                    fn(grads)

            return inner

        handles = tuple(t.register_hook(all_hook(i)) for i, t in enumerate(tensors) if t.requires_grad)
        return _MultiHandle(handles)

    fired: weakref.WeakSet = weakref.WeakSet()

    def any_hook(grad: Tensor) -> None:
        task = backward_mod.current_task()
        if task in fired:
            return
        fired.add(task)
        fn(grad)

    return _MultiHandle(tuple(t.register_hook(any_hook) for t in tensors if t.requires_grad))


__all__ = [
    "AccumulateGrad", "GradientEdge", "Node", "allow_mutation_on_saved_tensors", "disable_saved_tensors_hooks", "get_gradient_edge",
    "increment_version", "register_multi_grad_hook", "save_on_cpu", "saved_tensors_hooks",
]
