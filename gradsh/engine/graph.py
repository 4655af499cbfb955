"""Backward nodes: the graph autograd records, named as PyTorch 2.13 names it.

Each op defines its own Node subclass next to its forward (engine/ops/); this module holds
what they share: the base class, edges to inputs, the leaf accumulator, and saved tensors
with their version check. The graph never points back at its outputs (no reference cycles),
so it is freed by reference counting as soon as the last output goes.
"""

from __future__ import annotations

import gc
import itertools
import weakref
from typing import TYPE_CHECKING, Any

from .grad_mode import state

if TYPE_CHECKING:
    from .tensor import Tensor

# set by tensor.py once Tensor exists (tensor.py imports this module, so no import back)
_tensor_class: list = [None]
# [True] while forward AD differentiates a backward formula whose primals are on no graph: the saved
# values unpack as constants, so a tangent's graph holds only the tangent (PyTorch's jvp formulas)
saved_as_constants = [False]
# [True] while forward AD records backward formulas to differentiate them by the cotangent: an op whose
# forward derivative PyTorch leaves undefined (scatter_reduce's prod) records its gradient as a constant
recording_for_forward_ad = [False]

_sequence = itertools.count()
# the stack of saved_tensors_hooks (pack, unpack) pairs in force; autograd_graph.py manages it
saved_tensor_hooks: list = []
# anomaly mode: [enabled, check_nan] (anomaly.py); read by Node.__init__ and the backward pass
anomaly_mode: list = [False, True]
# saved outputs whose pack hook waits for the op to attach its node (ops/_core.attach flushes them)
pending_output_packs: list = []
NO_EDGE = (None, 0)

# Nodes, tensors and saved tensors are objects the cyclic GC tracks, though the graph makes no cycles
# (freed by reference counting). At Python's default thresholds (700, 10, 10) a forward of a few hundred
# ops sets off young collections (a tenth of a small-op chain's time), and as the graph grows, full
# collections that walk all of it (a 10^6-op forward cost 1.9x per op what a 10^3-op one did; 1.15x with
# these). A process that kept the defaults gets larger ones while the engine is loaded; one that chose
# its own keeps them. The middle 0 collects generation 1 at every other young collection: a graph's nodes
# are walked ~1.5 times on their way to the old generation instead of twice, and the second walk finds them
# still in cache (GC time of a 10^6-op forward 0.48 -> 0.32 s); 550 keeps full collections as rare as
# (10000, 10, 100) made them (one considered every ~11 million net allocations).
GC_THRESHOLDS = (10000, 0, 550)
if gc.get_threshold() == (700, 10, 10):
    gc.set_threshold(*GC_THRESHOLDS)

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if "
    "you need to access saved tensors after calling backward."
)


class Node:
    """One recorded operation. `apply(grads)` maps the gradients of its outputs to those of its inputs.

    Subclasses name in `saved` the slots that hold what their formula keeps (saved tensors): only
    such nodes are freed by a backward without retain_graph, so graphs that saved nothing can be
    traversed again (PyTorch's behaviour).
    """

    __slots__ = ("__weakref__", "_freed", "_seq", "next_functions")
    saved: tuple[str, ...] = ()
    # number of outputs (multi-output nodes such as split override it)
    n_outputs = 1

    def __init__(self, next_functions: tuple) -> None:
        self.next_functions = next_functions
        self._seq = next(_sequence)
        self._freed = False
        if anomaly_mode[0]:
            from .anomaly import record_forward_stack  # cycle: anomaly imports graph

            record_forward_stack(self)

    def name(self) -> str:
        return type(self).__name__

    def apply(self, grads: list) -> tuple:
        raise NotImplementedError

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        saved = cls.__dict__.get("saved")
        if isinstance(saved, tuple) and saved:
            cls.release = _releaser(saved)

    def release(self) -> None:
        """Drop what the node saved, after a backward without retain_graph.

        A subclass that names its `saved` slots gets this method compiled for them (_releaser): one
        assignment a slot, as cheap as a hand-written one, and written nowhere by hand.
        """
        self._freed = True
        for name in self.saved:
            if getattr(self, name) is not None:
                setattr(self, name, FREED_SLOT)

    def register_hook(self, fn: Any) -> Any:
        from .hooks import register_node_hook  # cycle: hooks imports graph

        return register_node_hook(self, fn)

    def register_prehook(self, fn: Any) -> Any:
        from .hooks import register_node_prehook  # cycle: hooks imports graph

        return register_node_prehook(self, fn)

    @property
    def metadata(self) -> dict:
        return _metadata.setdefault(self, {})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def __getattr__(self, name: str) -> Any:
        # only reached for names not found normally: PyTorch's `_saved_*` / `_raw_saved_*` attributes
        if name.startswith(("_saved_", "_raw_saved_")):
            from .autograd_graph import saved_attribute  # cycle: autograd_graph imports graph

            return saved_attribute(self, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __dir__(self) -> list:
        from .autograd_graph import saved_attribute_names  # cycle: autograd_graph imports graph

        return sorted(set(super().__dir__()) | set(saved_attribute_names(self)))


class _FreedSlot:
    def __repr__(self) -> str:
        return "<freed>"


FREED_SLOT = _FreedSlot()
_metadata: weakref.WeakKeyDictionary[Node, dict] = weakref.WeakKeyDictionary()
_releasers: dict[tuple, Any] = {}


def _releaser(saved: tuple[str, ...]) -> Any:
    """`release()` for nodes that save these slots: `self._freed = True; self.a = None; ...`."""
    fn = _releasers.get(saved)
    if fn is None:
        if not all(name.isidentifier() for name in saved):
            raise ValueError(f"saved names slots, got {saved!r}")
        # a slot that held something keeps a marker, so `_saved_x` can tell "freed" from "never saved"
        body = "".join(f"\n    if self.{name} is not None: self.{name} = FREED_SLOT" for name in saved)
        namespace: dict = {"FREED_SLOT": FREED_SLOT}
        exec(f"def release(self):\n    self._freed = True{body}", namespace)  # noqa: S102 - names checked above
        fn = _releasers[saved] = namespace["release"]
        fn.__doc__ = Node.release.__doc__
    return fn


class SpecialNode(Node):
    """Nodes whose name() carries the torch::autograd:: prefix (the type name does not)."""

    __slots__ = ()

    def name(self) -> str:
        return "torch::autograd::" + type(self).__name__


class AccumulateGrad(SpecialNode):
    """The sink of a leaf: the backward pass adds into `variable.grad` here."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        Node.__init__(self, ())
        self.variable = variable
        # the accumulator runs as soon as it is ready (PyTorch gives it top priority); still unique,
        # so the ready queue never compares two nodes
        self._seq += 1 << 62


def accumulator(t: Tensor) -> AccumulateGrad:
    """The one AccumulateGrad of a leaf while both live (the tensor holds it weakly)."""
    ref = t._accum
    if ref is not None:
        acc = ref()
        if acc is not None:
            return acc
    acc = AccumulateGrad(t)
    t._accum = weakref.ref(acc)
    return acc


def edge(t: Tensor) -> tuple:
    """Where the gradient of input `t` goes: its grad_fn, its accumulator, or nowhere."""
    if t._base is not None:
        fn = t._grad_fn
        if (fn is not None or t._base._rg) and t._vc[0] != t._attr_version:
            # an in-place change made the view's node stale: regenerate it (or refuse a poisoned view)
            fn = t.grad_fn
        if fn is not None:
            return (fn, t._output_nr)
        # a view with no node is a leaf: it accumulates when it was itself made to require grad (PyTorch's
        # grad_accumulator reads the view's own flag, not its base's)
        extra = t._extra
        return (accumulator(t), 0) if extra is not None and extra.leaf_view else NO_EDGE
    fn = t._grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    if t._rg:
        return (accumulator(t), 0)
    return NO_EDGE


def forward_name(node: Node) -> str:
    """`ExpBackward0` -> `Exp`, `PowBackward1` -> `Pow1`; names without the suffix stay whole."""
    name = node.name()
    head, sep, k = name.rpartition("Backward")
    if not sep or not k.isdigit():
        return name
    return head if k == "0" else head + k


def version_error(t: Tensor, saved_version: int, current: int, producer: Node | None, output_nr: int) -> Exception:
    sizes = "[" + ", ".join(str(s) for s in t._data.shape) + "]"
    where = "" if producer is None else f", which is output {output_nr} of {forward_name(producer)},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{t.dtype.legacy_type} {sizes}]{where} is at version {current}; expected version {saved_version} "
        + (_ANOMALY_HINT if anomaly_mode[0] else _HINT)
    )


_HINT = (
    "instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
    "with torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
_ANOMALY_HINT = (
    "instead. Hint: the backtrace further above shows the operation that failed to compute its gradient. The "
    "variable in question was changed in there or anywhere later. Good luck!"
)


class SavedTensor:
    """A tensor a node keeps for its gradient formula, with the version it had when saved.

    A saved *output* keeps only the data and the version counter (not the Tensor object),
    so the graph does not point back at its outputs.
    """

    __slots__ = ("counter", "data", "dtype", "hooks", "inference", "is_output", "rg", "tensor", "version")

    def __init__(self, t: Tensor, is_output: bool = False) -> None:
        self.hooks = None
        self.counter = t._vc
        self.version = t._vc[0]
        self.is_output = is_output
        self.inference = t._inference
        if is_output:
            self.tensor = None
            self.data = t._data
            self.dtype = t.dtype
            self.rg = t._rg
        else:
            self.tensor = t
        if saved_tensor_hooks:
            from .autograd_graph import pack_saved  # cycle: autograd_graph imports graph

            pack_saved(self, t)

    def _version_error(self, node: Node) -> Exception:
        current = self.counter[0]
        if self.is_output:
            shown = _tensor_class[0]._wrap(self.data, self.dtype)
            return version_error(shown, self.version, current, node, 0)
        t = self.tensor
        return version_error(t, self.version, current, t._grad_fn, t._output_nr)

    def array(self, node: Node) -> Any:
        """The saved values as a numpy array (for backward formulas that need no graph)."""
        if self.counter[0] != self.version:
            raise self._version_error(node)
        if self.hooks is not None:
            return self.unpack(node)._data
        return self.data if self.is_output else self.tensor._data

    def unpack(self, node: Node) -> Tensor:
        if self.counter[0] != self.version:
            raise self._version_error(node)
        if saved_as_constants[0] and self.hooks is None:
            if self.is_output:
                return _tensor_class[0]._wrap(self.data, self.dtype)
            return _tensor_class[0]._wrap(self.tensor._data, self.tensor.dtype)
        if self.hooks is not None:
            from .autograd_graph import unpack_saved  # cycle: autograd_graph imports graph

            return unpack_saved(self, node)
        if self.is_output:
            out = _tensor_class[0]._wrap(self.data, self.dtype)
            if self.rg and state.recording:
                # create_graph: the saved result is the node's own output, so gradients flow through it
                out._grad_fn = node
                out._rg = True
            out._vc = self.counter
            return out
        return self.tensor
