"""PyTorch's RuntimeError for operands whose shapes do not broadcast, from numpy's ValueError.

gradsh's elementwise ops hand their operands to numpy, which checks broadcasting itself and raises
`ValueError: operands could not be broadcast together with shapes (2,) (3,)`. PyTorch raises
`RuntimeError: The size of tensor a (2) must match the size of tensor b (3) at non-singleton
dimension 0`. Checking shapes before every op would cost each successful call; numpy's message
already names the shapes, so, as with call_errors, the translation happens where the exception is
shown (the transcript session, hence the REPL): `pytorch_broadcast_error(exc)`.

PyTorch (at::infer_size) folds the operands' shapes left to right and, within a pair, compares
dimensions from the right, reporting the first pair of sizes that differ with neither being 1, with
the dimension counted in the broadcast result. numpy lists the operands in the order gradsh passed
them, which is PyTorch's for the binary ops, comparisons and `where`; ops that combine them in
another order raise PyTorch's error themselves once numpy has refused (`check`).

Only a ValueError raised inside gradsh's engine is translated: a transcript's own numpy code keeps
numpy's words.
"""

from __future__ import annotations

import os
import re

_NUMPY_MESSAGE = re.compile(r"^operands could not be broadcast together with shapes ((?:\([\d,]*\) ?)+)")
_SHAPE = re.compile(r"\(([\d,]*)\)")
_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def size_mismatch(a: tuple[int, ...], b: tuple[int, ...]) -> str | None:
    """PyTorch's message for shapes `a` and `b` that do not broadcast; None when they do."""
    ndim = max(len(a), len(b))
    for dim in range(ndim - 1, -1, -1):
        offset = ndim - 1 - dim
        size_a = a[len(a) - 1 - offset] if offset < len(a) else 1
        size_b = b[len(b) - 1 - offset] if offset < len(b) else 1
        if size_a != size_b and size_a != 1 and size_b != 1:
            return (f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                    f"at non-singleton dimension {dim}")
    return None


def check(*shapes: tuple[int, ...]) -> None:
    """Raise PyTorch's RuntimeError when `shapes`, in PyTorch's operand order, do not broadcast.

    For ops whose numpy form combines the operands in another order (addcmul's `t1 * t2` first): they
    call this only once numpy has refused, so a successful call pays nothing."""
    message = _first_mismatch(shapes)
    if message is not None:
        raise RuntimeError(message)


def _first_mismatch(shapes: list | tuple) -> str | None:
    """infer_size folded over the operands left to right: the message of the first pair that does not broadcast."""
    folded = shapes[0]
    for shape in shapes[1:]:
        message = size_mismatch(folded, shape)
        if message is not None:
            return message
        folded = _broadcast(folded, shape)
    return None


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    ndim = max(len(a), len(b))
    a = (1,) * (ndim - len(a)) + a
    b = (1,) * (ndim - len(b)) + b
    return tuple(y if x == 1 else x for x, y in zip(a, b))


def _raised_in_engine(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(_ENGINE_DIR):
            return True
        tb = tb.tb_next
    return False


def pytorch_broadcast_error(exc: BaseException) -> RuntimeError | None:
    """PyTorch's RuntimeError for numpy's broadcast ValueError raised in gradsh's engine; None otherwise."""
    if type(exc) is not ValueError:
        return None
    match = _NUMPY_MESSAGE.match(str(exc))
    if match is None or not _raised_in_engine(exc):
        return None
    shapes = [tuple(int(n) for n in dims.split(",") if n) for dims in _SHAPE.findall(match.group(1))]
    message = _first_mismatch(shapes)
    if message is None:
        return None
    error = RuntimeError(message)
    error.__traceback__ = exc.__traceback__
    return error
