"""PyTorch's own elementwise math library, when the optional `gradsh[exact]` extra is installed.

PyTorch's CPU kernels for exp, log, log2, log10, sin, cos, tan, asin, acos, atan, tanh, erf, erfc,
erfinv and sqrt in float32 and float64 call Intel MKL's vector math (VML) in high-accuracy mode, whose
results are not correctly rounded: numpy's own functions differ from it in the last bit for up to 20 %
of the elements (../shared/spec/elementwise.md, §4 and §8). The extra installs the same MKL release as
the torch 2.13 wheel's (PyPI `mkl==2024.2.0`); this module finds its `libmkl_rt` and calls
`vms<Fn>`/`vmd<Fn>` through ctypes with PyTorch's mode, which gives PyTorch's bits.

Nothing here is loaded before the first such op runs, and without the extra (or with `GRADSH_EXACT=0`
in the environment) `vml()` returns None and the callers keep their numpy kernels.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

MKL_VERSION = "2024.2.0"  # the MKL inside torch 2.13's wheel; other releases round differently (spec §8)
# VML_HA | VML_FTZDAZ_OFF | VML_ERRMODE_IGNORE: the mode ATen's vml.h passes
_MODE = 0x00000002 | 0x00140000 | 0x00000100
_MKL_THREADING_SEQUENTIAL = 1  # no OpenMP runtime of MKL's own beside PyTorch's (and no thread start-up)
_LIBRARY = "libmkl_rt.so.2"
_IN_PLACE_MAX = 1024  # inputs up to this many elements are computed in place on a copy (see vml's kernel)
_MAX_N = 1 << 30  # MKL_INT is 32-bit in mkl_rt's default (LP64) interface: longer arrays go in pieces

_ndarray = np.ndarray
_char = ctypes.c_char.from_buffer
_address = ctypes.addressof
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)

_state: dict[str, object] = {}  # "lib": the CDLL or None once looked for, "why": the reason when None
_kernels: dict[str, Callable[[np.ndarray], np.ndarray] | None] = {}


def _library_path() -> Path | None:
    """Where the installed `mkl` distribution put libmkl_rt, if it is the pinned release."""
    from importlib import metadata  # startup: only when an MKL op first runs

    try:
        dist = metadata.distribution("mkl")
    except metadata.PackageNotFoundError:
        _state["why"] = "the mkl package is not installed (pip install 'gradsh[exact]')"
        return None
    if dist.version != MKL_VERSION:
        _state["why"] = f"mkl {dist.version} is installed; PyTorch 2.13's bits need mkl=={MKL_VERSION}"
        return None
    for f in dist.files or ():
        if f.name == _LIBRARY:
            return Path(dist.locate_file(f)).resolve()
    fallback = Path(sys.prefix) / "lib" / _LIBRARY
    if fallback.exists():
        return fallback
    _state["why"] = f"mkl {dist.version} is installed but its {_LIBRARY} was not found"
    return None


def _load() -> ctypes.CDLL | None:
    if "lib" in _state:
        return _state["lib"]  # type: ignore[return-value]
    lib = None
    if os.environ.get("GRADSH_EXACT", "1") == "0":
        _state["why"] = "disabled by GRADSH_EXACT=0"
    else:
        path = _library_path()
        if path is not None:
            try:
                lib = ctypes.CDLL(str(path))
                lib.MKL_Set_Threading_Layer.argtypes = (ctypes.c_int,)
                lib.MKL_Set_Threading_Layer(_MKL_THREADING_SEQUENTIAL)
            except (OSError, AttributeError) as e:
                _state["why"] = f"{path} could not be loaded: {e}"
                lib = None
    _state["lib"] = lib
    return lib


def available() -> bool:
    """Whether PyTorch's MKL is in use for the VML ops (loads it on the first call)."""
    return _load() is not None


def library() -> ctypes.CDLL | None:
    """PyTorch's libmkl_rt (sequential threading layer), or None without the extra: for other MKL callers."""
    return _load()


def why_not() -> str | None:
    """Why the numpy kernels are in use instead of MKL, or None when MKL is."""
    _load()
    return _state.get("why")  # type: ignore[return-value]


def _bind(lib: ctypes.CDLL, name: str) -> Callable[[int, int, int, int], None]:
    f = getattr(lib, name)
    f.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulonglong)
    f.restype = None
    return f


def vml(name: str) -> Callable[[np.ndarray], np.ndarray] | None:
    """MKL's `vms<name>`/`vmd<name>` as `f(array) -> array` for float32 and float64 arrays, or None without MKL.

    The result has the input's shape, dtype and (for a dense input) memory layout; other dtypes are the
    caller's to route elsewhere. The value of an element does not depend on its position here (spec §2.2,
    engine A), so any strided input is first made contiguous, as PyTorch's kernel does.
    """
    if name in _kernels:
        return _kernels[name]
    lib = _load()
    if lib is None:
        _kernels[name] = None
        return None
    single, double = _bind(lib, "vms" + name), _bind(lib, "vmd" + name)
    mode = _MODE

    def kernel(a: np.ndarray) -> np.ndarray:
        # MKL sees flat memory: the input must be dense, and the output (empty_like) then has its strides, so
        # a transposed or permuted input keeps its layout as PyTorch's does; a strided input is copied first
        # (PyTorch's kernel copies it into a buffer too), in its own dimension order
        if type(a) is not _ndarray:  # a numpy scalar (a backward formula's 0-d value)
            a = np.asarray(a)
        n = a.size
        if n == 0:
            return np.empty_like(a)
        c_contiguous = a.flags.c_contiguous
        if n <= _IN_PLACE_MAX and c_contiguous:
            # a few elements: MKL computes in place on a copy, one address and no separate output: a third of the
            # kernel's time on a tiny tensor (the same bits as the out-of-place call: tested)
            out = a.copy()
            p = _address(_char(out))
            (single if out.dtype == _F32 else double)(n, p, p, mode)
            return out
        if c_contiguous:
            out = np.empty_like(a)
            # from_buffer + addressof is ten times cheaper than .ctypes.data, which matters on tiny tensors
            src = _address(_char(a)) if a.flags.writeable else a.ctypes.data
            dst = _address(_char(out))
        else:
            if not a.flags.f_contiguous:
                a = a.copy(order="K")
            out = np.empty_like(a)
            src, dst = a.ctypes.data, out.ctypes.data
        f = single if a.dtype == _F32 else double
        if n <= _MAX_N:
            f(n, src, dst, mode)
            return out
        size = a.itemsize
        for start in range(0, n, _MAX_N):
            f(min(_MAX_N, n - start), src + start * size, dst + start * size, mode)
        return out

    kernel.__name__ = f"vml{name}"
    _kernels[name] = kernel
    return kernel
