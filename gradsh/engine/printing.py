"""Tensor printing: the exact repr/str text PyTorch 2.13 gives a tensor (spec printing.md).

Print options live here (`set_printoptions`); element text comes from print_format.py.
Only the displayed elements are ever formatted or measured, so summarised printing of a
huge tensor costs the same as printing a small one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import numpy as np

from gradsh.engine import dtypes
from gradsh.engine.print_format import complex_texts, real_texts

PREFIX = "tensor("
INDENT = len(PREFIX)


class Printable(Protocol):
    """What the printer reads from a tensor, and nothing more."""

    _data: np.ndarray
    dtype: dtypes.dtype

    def _autograd_suffix(self) -> str: ...


class _PrintOptions:
    __slots__ = ("edgeitems", "linewidth", "precision", "sci_mode", "threshold")

    def __init__(self) -> None:
        self.precision: int = 4
        self.threshold: float = 1000
        self.edgeitems: int = 3
        self.linewidth: int = 80
        self.sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()

# profile -> (precision, threshold, edgeitems, linewidth)
_PROFILES: dict[str, tuple[int, float, int, int]] = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """torch.set_printoptions: profile first, then explicit values; sci_mode is always
    overwritten, so any call without it returns to automatic choice."""
    if profile is not None and profile in _PROFILES:
        # An unknown profile name is silently ignored, as in PyTorch.
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current options (internal helper: torch has no top-level get_printoptions)."""
    return {name: getattr(PRINT_OPTS, name) for name in _PrintOptions.__slots__}


@contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change print options (internal helper, not exported at torch level)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# ----------------------------------------------------------------------------- layout


def _displayed_sample(data: np.ndarray, summarize: bool, edge: int) -> tuple[np.ndarray, list[bool]]:
    """The elements that will be shown, and which dimensions lost their middle."""
    cut = [summarize and n > 2 * edge for n in data.shape]
    sample = data
    for axis, is_cut in enumerate(cut):
        if is_cut:
            # Basic slices are views, so a strided input is never copied whole.
            lead = (slice(None),) * axis
            n = data.shape[axis]
            sample = np.concatenate((sample[lead + (slice(0, edge),)], sample[lead + (slice(n - edge, n),)]), axis)
    return sample, cut


class _Layout:
    """Nested-bracket rendering of already padded element texts (spec §7)."""

    def __init__(self, texts: list[str], element_length: int, edge: int, linewidth: int) -> None:
        self.texts = texts
        self.element_length = element_length
        self.edge = edge
        self.linewidth = linewidth

    def render(self, shape: Sequence[int], cut: Sequence[bool], offset: int, indent: int) -> str:
        if len(shape) == 1:
            return self._row(shape[0], cut[0], offset, indent)
        stride = math.prod(shape[1:])
        parts = [self.render(shape[1:], cut[1:], offset + i * stride, indent + 1) for i in range(shape[0])]
        if cut[0]:
            parts.insert(self.edge, "...")
        separator = "," + "\n" * (len(shape) - 1) + " " * (indent + 1)
        return "[" + separator.join(parts) + "]"

    def _row(self, length: int, is_cut: bool, offset: int, indent: int) -> str:
        items = self.texts[offset : offset + length]
        if is_cut:
            items.insert(self.edge, " ...")
        # PyTorch's estimate ignores brackets and commas, so lines may exceed the width.
        per_line = max(1, math.floor((self.linewidth - indent) / self.element_length))
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body(data: np.ndarray, dtype: dtypes.dtype) -> str:
    """Text between `tensor(` and the suffixes for a non-empty tensor."""
    opts = PRINT_OPTS
    summarize = data.size > opts.threshold
    edge = opts.edgeitems
    if summarize and not edge and data.ndim:
        return "[...]"
    sample, cut = _displayed_sample(data, summarize, edge)
    if dtype.is_complex:
        texts, re_width, im_width = complex_texts(sample, opts.precision, opts.sci_mode)
        element_length = re_width + im_width + 3  # ", " and the "j"
    else:
        texts, width = real_texts(sample, opts.precision, opts.sci_mode)
        element_length = width + 2  # ", "
    if data.ndim == 0:
        return texts[0]
    return _Layout(texts, element_length, edge, opts.linewidth).render(sample.shape, cut, 0, INDENT)


def _add_suffixes(text: str, suffixes: list[str]) -> str:
    """Place `key=value` suffixes after the body, wrapping as PyTorch's running counter does."""
    width = PRINT_OPTS.linewidth
    parts = [text]
    # Counter starts 2 past the last line's length: PyTorch measures it off by two.
    counter = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if counter + len(suffix) + 2 > width:
            parts.append(",\n" + " " * INDENT + suffix)
            counter = INDENT + len(suffix)
        else:
            parts.append(", " + suffix)
            counter += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _shape_text(shape: tuple[int, ...]) -> str:
    return str(tuple(int(d) for d in shape))


def tensor_repr(t: Printable) -> str:
    """repr(t) == str(t) for a tensor: `tensor(<body>[, suffixes])`."""
    data = np.asarray(t._data)
    dtype = t.dtype
    default = dtypes.get_default_dtype()
    suffixes = []
    if data.size == 0:
        body = "[]"
        if data.ndim != 1:
            suffixes.append("size=" + _shape_text(data.shape))
        # No element hints at the dtype, so only the default float dtype goes unsaid.
        if dtype.name != default.name:
            suffixes.append(f"dtype={dtype!r}")
    else:
        body = _body(data, dtype)
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + _shape_text(data.shape))
        implied = (default.name, dtypes.default_complex().name, "int64", "bool")
        if dtype.name not in implied:
            suffixes.append(f"dtype={dtype!r}")
    autograd = t._autograd_suffix()
    if autograd:
        suffixes.append(autograd)
    if tangent_of:  # a forward-AD level holds dual tensors (forward_ad.py)
        tangent = tangent_of[0](t)
        if tangent is not None:
            suffixes.append(f"tangent={tangent}")
    return _add_suffixes(PREFIX + body, suffixes)


# the tangent of a dual tensor, or None: set by forward_ad.py while dual tensors exist
tangent_of: list = []


def parameter_repr(t: Printable) -> str:
    """repr(p) == str(p) for an nn.Parameter."""
    return "Parameter containing:\n" + tensor_repr(t)


# ------------------------------------------------------------ objects around tensors


def size_repr(shape: Sequence[int]) -> str:
    """repr/str of torch.Size: `torch.Size([2, 3])`, `torch.Size([])`."""
    return "torch.Size([" + ", ".join(str(int(d)) for d in shape) + "])"


def node_repr(type_name: str, address: int) -> str:
    """repr/str of an autograd node: `<MulBackward0 object at 0x7f...>`."""
    return f"<{type_name} object at {address:#x}>"


def device_repr(device_type: str) -> str:
    """repr of a device; its str is just the type, e.g. `cpu`."""
    return f"device(type={device_type!r})"


def format_scalar_tensor(t: Printable, spec: str) -> str:
    """format(t, spec) of a plain 0-d tensor: the spec applies to the Python value (item())."""
    return format(np.asarray(t._data).item(), spec)


def format_tensor(t: Printable, spec: str, type_name: str = "Tensor") -> str:
    """Tensor.__format__ for any tensor; pass type_name='Parameter' for nn.Parameter.

    Only plain 0-d tensors format their value; everything else accepts only an empty
    spec, which gives str(t)."""
    if type_name == "Tensor" and np.ndim(t._data) == 0:
        return format_scalar_tensor(t, spec)
    if spec:
        raise TypeError(f"unsupported format string passed to {type_name}.__format__")
    return str(t)
