"""Anomaly mode: remember where each node was made, name it when its backward fails, and refuse NaN gradients.

While enabled, every new node records the forward stack (the user's own frames, not gradsh's) in its
`metadata["traceback_"]`, as PyTorch does; the backward pass (backward.py) calls `failed()` when a node
raises or returns NaN, which warns "Error detected in <node>" with that stack in PyTorch's words.
"""

from __future__ import annotations

import functools
import os
import sys
import warnings

import numpy as np

from .graph import Node, anomaly_mode

_GRADSH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@functools.cache
def _library_dirs() -> tuple[str, ...]:
    """The interpreter's own library (runpy, doctest, code, ...): its frames are not the user's."""
    import sysconfig  # startup: only once anomaly mode records a stack, not at engine import

    paths = sysconfig.get_paths()
    return tuple(os.path.abspath(p) for p in {paths["stdlib"], paths["purelib"]} if p)
_TRIGGER = " (Triggered internally at /__w/pytorch/pytorch/torch/csrc/autograd/python_anomaly_mode.cpp:{}.)"


def is_anomaly_enabled() -> bool:
    return anomaly_mode[0]


def is_anomaly_check_nan_enabled() -> bool:
    return anomaly_mode[1]


def _user_frame(filename: str) -> bool:
    path = os.path.abspath(filename) if not filename.startswith("<") else filename
    return not path.startswith((_GRADSH_DIR, *_library_dirs()))


def record_forward_stack(node: Node) -> None:
    """Called by Node.__init__ while anomaly mode is on."""
    import traceback  # startup: only in anomaly mode, not at engine import

    frames = [f for f in traceback.extract_stack(sys._getframe(2)) if _user_frame(f.filename)]
    node.metadata["traceback_"] = traceback.format_list(frames)


def failed(node: Node) -> None:
    """The node's backward raised or made NaN: say where its forward ran (PyTorch warns, then re-raises)."""
    stack = node.metadata.get("traceback_")
    if stack is None:
        message = (
            f"Error detected in {node.name()}. No forward pass information available. Enable detect anomaly "
            "during forward pass for more information."
        ) + _TRIGGER.format(100)
    else:
        message = f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n" + "".join(stack)
        message += _TRIGGER.format(122)
    warnings.warn(message, UserWarning, stacklevel=4)


def check_nan(node: Node, outs: tuple) -> None:
    for i, g in enumerate(outs):
        if g is None:
            continue
        data = g._data
        if data.dtype.kind in "fc" and np.isnan(data).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


class detect_anomaly:  # PyTorch's name
    """Context manager (not a decorator, as in PyTorch 2.13) turning anomaly detection on for its block."""

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled "
            "for debugging.",
            stacklevel=2,
        )

    def __enter__(self) -> None:
        anomaly_mode[0], anomaly_mode[1] = True, self.check_nan

    def __exit__(self, *args: object) -> None:
        anomaly_mode[0], anomaly_mode[1] = self.prev, self.prev_check_nan


class set_detect_anomaly:  # PyTorch's name
    """Turn anomaly detection on or off now; as a context manager, restore the previous setting on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        anomaly_mode[0], anomaly_mode[1] = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *args: object) -> None:
        anomaly_mode[0], anomaly_mode[1] = self.prev, self.prev_check_nan


__all__ = ["detect_anomaly", "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "set_detect_anomaly"]
