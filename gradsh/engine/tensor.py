"""The Tensor: a numpy array plus autograd state.

Operations live in engine/ops/ (forward and backward side by side) and are attached as
methods by engine/methods.py; this module holds the state and the attribute protocol
(requires_grad, grad, grad_fn, is_leaf, versions, views) with PyTorch's exact errors.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Self

import numpy as np

from . import dtypes
from . import graph as _graph
from .changes import note
from .grad_mode import state
from .graph import Node, edge, forward_name
from .hooks import register_post_accumulate_hook, register_tensor_hook, retain_grad
from .printing import format_tensor, tensor_repr
from .unsupported import missing_tensor_attribute

_new = object.__new__

_NON_LEAF_MSG = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a "
    "subgraph that doesn't require differentiation use var_no_grad = var.detach()."
)
_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)
_INFERENCE_REQUIRES_GRAD = "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
_SCALAR_WARNING = (
    "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
    "Consider using tensor.detach() first."
)
_scalar_warned = [False]


class TensorExtra:
    """Rarely used per-tensor state, kept off the hot path (one slot on Tensor, None by default)."""

    __slots__ = (
        "grad_dtype_set",
        "hooks",
        "inference_detached",
        "leaf_view",
        "name",
        "post_acc_hooks",
        "retains_grad",
        "view_fn",
        "view_kind",
    )

    def __init__(self) -> None:
        self.hooks: list | None = None
        self.post_acc_hooks: list | None = None
        self.retains_grad = False
        self.view_fn = None  # base -> this view, replayed by CopySlices
        # a view's CreationMeta when not DEFAULT: "no_grad", "inference" (created while nothing was recorded)
        # or "multi" (an output of split/chunk/unbind); such views may not be rebased (spec §12.4, §12.5)
        self.view_kind: str | None = None
        self.inference_detached = False
        # a view's own requires_grad flag was set (requires_grad_ on the view): a view without a node then
        # accumulates into its own .grad, while one that only inherits its base's flag gets nothing
        self.leaf_view = False


def _not_writable(name: str) -> AttributeError:
    return AttributeError(f"attribute '{name}' of 'torch._C.TensorBase' objects is not writable")


class Tensor:
    __slots__ = (
        "__weakref__",
        "_accum",
        "_attr_version",
        "_base",
        "_data",
        "_extra",
        "_grad",
        "_grad_fn",
        "_inference",
        "_output_nr",
        "_rg",
        "_vc",
        "_view_fn",
        "dtype",
    )
    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        from .creation import legacy_constructor  # cycle: creation imports tensor

        return legacy_constructor(cls, *args, **kwargs)

    # ----- construction -------------------------------------------------------------------
    @staticmethod
    def _wrap(data: np.ndarray, dtype: dtypes.dtype) -> Tensor:
        """A new leaf that does not require grad (the hot path of every op)."""
        t = _new(Tensor)
        t._data = data
        t.dtype = dtype
        t._rg = False
        t._grad_fn = None
        t._grad = None
        t._vc = [0]
        t._base = None
        t._output_nr = 0
        t._accum = None
        t._inference = state.inference
        t._extra = None
        return t

    def _x(self) -> TensorExtra:
        extra = self._extra
        if extra is None:
            extra = self._extra = TensorExtra()
        return extra

    # ----- shape and values --------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self.dtype.itemsize

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        return self.dtype.is_complex

    @property
    def device(self) -> device:
        return device("cpu")

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def layout(self) -> str:
        return "torch.strided"

    def item(self) -> Any:
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._rg and not force and state.grad_enabled:  # PyTorch checks GradMode too: no_grad allows it
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.dtype is dtypes.bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    # numpy defers its binary operators to the tensor's (ndarray + tensor asks Tensor.__radd__), and
    # hands ufunc results back as tensors (np.exp(t) is a tensor; bools come back as uint8), as with PyTorch
    __array_priority__ = 1000

    def __array_wrap__(self, array: np.ndarray, context: Any = None, return_scalar: bool = False) -> Tensor:
        if array.dtype == np.bool_:
            array = array.astype(np.uint8)
        return Tensor._wrap(np.asarray(array), dtypes.from_numpy_dtype(array.dtype))

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Any:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self) -> int:
        return id(self)

    def _to_python_scalar(self, kind: type, warn: bool) -> Any:
        if warn and self._rg and state.grad_enabled and not _scalar_warned[0]:  # as PyTorch: not under no_grad
            _scalar_warned[0] = True
            warnings.warn(_SCALAR_WARNING, UserWarning, stacklevel=3)
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return kind(self._data.reshape(()).item())

    def __float__(self) -> float:
        return self._to_python_scalar(float, True)

    def __complex__(self) -> complex:
        return self._to_python_scalar(complex, True)

    def __int__(self) -> int:
        return self._to_python_scalar(int, False)

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.dtype.is_complex or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def __floor__(self) -> int:
        return math.floor(self._to_python_scalar(float, True))

    def __repr__(self) -> str:
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format_tensor(self, spec, type(self).__name__)

    def _autograd_suffix(self) -> str:
        fn = self._grad_fn
        if self._base is not None:
            try:
                fn = _view_grad_fn(self)
            except RuntimeError:  # a view that may no longer be used, as PyTorch's repr shows it
                return "grad_fn=<Invalid>"
        if fn is not None:
            return f"grad_fn=<{type(fn).__name__}>"
        if self._rg:
            return "requires_grad=True"
        return ""

    # ----- autograd attributes --------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        # a view requires grad as soon as its base does (PyTorch's DifferentiableViewMeta::requires_grad)
        return self._rg or (self._base is not None and self._base._rg)

    @requires_grad.setter
    def requires_grad(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise RuntimeError("requires_grad must be a bool")  # noqa: TRY004 - PyTorch's type and text
        if self._grad_fn is not None:
            raise RuntimeError(_NON_LEAF_MSG if not value else "you can only change requires_grad flags of leaf variables.")
        if value and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        if value and self._inference and not state.inference:
            raise RuntimeError(_INFERENCE_REQUIRES_GRAD)
        self._set_own_requires_grad(value)

    def requires_grad_(self, requires_grad: Any = True) -> Tensor:
        if not isinstance(requires_grad, bool):
            raise TypeError(
                "requires_grad_(): argument 'requires_grad' (position 1) must be bool, "
                f"not {type(requires_grad).__name__}"
            )
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(_NON_LEAF_MSG)
            return self
        if requires_grad and not self.dtype.is_floating_point and not self.dtype.is_complex:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad and self._inference and not state.inference:
            raise RuntimeError(_INFERENCE_REQUIRES_GRAD)
        self._set_own_requires_grad(requires_grad)
        return self

    def _set_own_requires_grad(self, value: bool) -> None:
        base = self._base
        if base is not None:
            self._x().leaf_view = value
            value = value or base._rg  # the view still requires grad through its base
        self._rg = value
        note(self)

    @property
    def is_leaf(self) -> bool:
        if self._base is not None:
            return _view_grad_fn(self) is None
        return self._grad_fn is None

    @is_leaf.setter
    def is_leaf(self, value: Any) -> None:
        raise _not_writable("is_leaf")

    @property
    def grad_fn(self) -> Node | None:
        if self._base is not None:
            return _view_grad_fn(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, value: Any) -> None:
        raise _not_writable("grad_fn")

    @property
    def grad(self) -> Tensor | None:
        g = self._grad
        if g is None and self._grad_fn is not None and not (self._extra is not None and self._extra.retains_grad):
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value: Any) -> None:
        note(self)
        if value is None:
            self._grad = None
            return
        if not isinstance(value, Tensor):
            raise TypeError(
                f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}"
            )
        if value._data.shape != self._data.shape:
            raise RuntimeError(
                f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor of size "
                f"'{list(self._data.shape)}'. Please ensure that the gradient and the tensor are the same size"
            )
        if value.dtype is not self.dtype:
            raise RuntimeError(
                f"attempting to assign a gradient with dtype '{value.dtype.c_name}' to a tensor with grad_dtype "
                f"'{self.dtype.scalar_name}'. The gradient must match the tensor's grad_dtype (defaults to the "
                "tensor's dtype). You can set the tensor's grad_dtype attribute with a specific dtype, or None to "
                "allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient "
                "may break downstream systems that assume they match."
            )
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._extra is not None and self._extra.retains_grad

    def retain_grad(self) -> None:
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:  # the property: a stale view's node is regenerated first
            return
        retain_grad(self)

    def register_hook(self, hook: Any) -> Any:
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        return register_tensor_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook: Any) -> Any:
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        return register_post_accumulate_hook(self, hook)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Any = None) -> None:
        from .backward import backward  # cycle: backward imports tensor

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def is_inference(self) -> bool:
        return self._inference

    def _is_view(self) -> bool:
        return self._base is not None

    @property
    def _version(self) -> int:
        if self._inference and not (self._extra is not None and self._extra.inference_detached):
            raise RuntimeError("Inference tensors do not track version counter.")
        return self._vc[0]

    @_version.setter
    def _version(self, value: Any) -> None:
        raise _not_writable("_version")

    # ----- views: stale nodes and creation modes ------------------------------------------------
    def _view_poisoned(self) -> str | None:
        """The error text if this view may no longer be used by autograd, else None."""
        if self._base is None or self._vc[0] == self._attr_version:
            return None
        if self._grad_fn is None and not self._base._rg:
            return None
        return view_rebase_message(self, True)

    def _check_view_usable(self) -> None:
        msg = self._view_poisoned()
        if msg is not None:
            raise RuntimeError(msg)


_CLARIFY = (
    " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving "
    "both the view and the inplace either both inside the {block} block (if you don't want the inplace to be "
    "tracked) or both outside (if you want the inplace to be tracked)."
)
_MULTI_TAIL = (
    " This view is the output of a function that returns multiple views. Such functions do not allow the output "
    "views to be modified inplace. You should replace the inplace operation by an out-of-place one."
)


def view_rebase_message(t: Tensor, indirect: bool) -> str | None:
    """PyTorch's handle_view_on_rebase: why view `t` (not created in grad mode as a single view) may not be rebased.

    `indirect`: the base or another view was modified, not `t` itself.
    """
    extra = t._extra
    meta = None if extra is None else extra.view_kind
    if meta is None:
        return None
    fn = t._grad_fn
    obj = "its base or another view of its base has been" if indirect else "is being"
    if meta != "multi" or fn is None:
        if fn is not None:
            prefix = f"Output {t._output_nr} of {forward_name(fn)} is a view of a view which was created in"
        else:
            prefix = "A view was created in"
        if meta == "inference":
            msg = f"{prefix} inference mode and {obj} modified inplace in normal mode."
        else:
            msg = f"{prefix} no_grad mode and {obj} modified inplace with grad mode enabled."
    else:
        msg = f"Output {t._output_nr} of {forward_name(fn)} is a view and {obj} modified inplace."
    if meta == "multi":
        return msg + _MULTI_TAIL
    return msg + _CLARIFY.format(block="inference_mode" if meta == "inference" else "no_grad")


def _view_grad_fn(t: Tensor) -> Node | None:
    """A view's grad_fn, regenerated once the shared version moved on (PyTorch's VariableHooks::grad_fn).

    An in-place change of the base or of another view leaves the view's recorded node stale: it gets an
    AsStridedBackward0 on the base's current node, built lazily here, on first use.
    """
    fn = t._grad_fn
    base = t._base
    if fn is None and not base._rg:
        return None
    if t._vc[0] == t._attr_version:
        return fn
    msg = view_rebase_message(t, True)
    if msg is not None:
        raise RuntimeError(msg)
    from .ops.views import AsStridedBackward0  # cycle: ops/views imports tensor

    node = AsStridedBackward0((edge(base),))
    node.base_shape = base._data.shape
    node.view_fn = t._view_fn
    t._grad_fn = node
    t._rg = True
    t._output_nr = 0
    t._attr_version = t._vc[0]
    extra = t._extra
    if extra is not None and extra.retains_grad:  # retain_grad follows the tensor to its new node
        retain_grad(t)
    return node


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


class Size(tuple):
    """torch.Size: a tuple that prints as `torch.Size([2, 3])`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item: Any) -> Any:
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other: Any) -> Size:
        return Size(tuple(self) + tuple(other))


class device:
    __slots__ = ("index", "type")

    def __init__(self, type: str = "cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        self.type = type.split(":")[0]
        self.index = index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type and other.index == self.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))


_OWN_SLOTS = frozenset(Tensor.__slots__)


def _missing_attribute(self: Tensor, name: str) -> Any:
    # only reached when normal lookup fails: an unset internal slot, a name gradsh lacks, or a typo
    raise missing_tensor_attribute(self, name, _OWN_SLOTS)


Tensor.__getattr__ = _missing_attribute  # type: ignore[attr-defined]
_graph._tensor_class[0] = Tensor
