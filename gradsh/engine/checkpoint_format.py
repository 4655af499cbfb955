"""PyTorch's checkpoint file format, read and written (torch.save / torch.load are in serialization.py).

The format (PyTorch 2.x, `_use_new_zipfile_serialization`): an uncompressed zip archive whose records sit
under one folder named after the file (`archive/` for file objects): `data.pkl` (a protocol-2 pickle in
which each tensor is `torch._utils._rebuild_tensor_v2(<storage>, offset, size, stride, requires_grad,
OrderedDict())`, its storage a persistent id `('storage', torch.FloatStorage, '0', 'cpu', numel)`),
`byteorder`, `version`, and `data/<key>` holding each storage's raw little-endian bytes, aligned to 64 bytes.

Loading unpickles only what PyTorch's `weights_only=True` (its default) allows: tensors, parameters,
containers, plain values, dtypes, sizes and devices. Any other global is refused with PyTorch's error before
it is looked up, so a hostile pickle never runs.
"""

from __future__ import annotations

import _compat_pickle
import io
import os
import pickle
import struct
import types
import zipfile
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import IO, Any, ClassVar

import numpy as np

from . import dtypes
from .parameter import Parameter
from .serialization import _user_global, _weights_only_message
from .tensor import Size, Tensor, device

_STORAGE_ALIGNMENT = 64
_BLOCKED_MODULES = ("sys", "os", "posix", "nt")


# ---- storages -----------------------------------------------------------------------------------------------
def _storage_name(dt: dtypes.dtype) -> str:
    """torch.FloatTensor -> FloatStorage: the legacy storage class naming a storage's dtype in the pickle."""
    return dt.legacy_type.split(".")[-1].replace("Tensor", "Storage")


_STORAGE_DTYPES = {_storage_name(d): d for d in dtypes.ALL}


class _StorageType:
    """What the pickle's `torch.FloatStorage` (and siblings) stand for: a dtype."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.dtype = _STORAGE_DTYPES[name]


def _to_bytes(t: Tensor) -> bytes:
    data = np.ascontiguousarray(t._data)
    if t.dtype is dtypes.bfloat16:  # float32 storage holding bfloat16 values: keep the upper halves
        return (data.astype(np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()
    return data.astype(data.dtype.newbyteorder("<"), copy=False).tobytes()


def _from_bytes(raw: bytes, dt: dtypes.dtype) -> np.ndarray:
    if dt is dtypes.bfloat16:
        return (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
    return np.frombuffer(raw, dtype=dt.np.newbyteorder("<")).astype(dt.np)


# ---- the names PyTorch's pickles use, and what they mean here ------------------------------------------------
def _rebuild_tensor_v2(storage: np.ndarray | tuple, storage_offset: int, size: tuple, stride: tuple,
                       requires_grad: bool, backward_hooks: Any, metadata: Any = None) -> Tensor:
    array, dt = storage
    size, stride = tuple(int(n) for n in size), tuple(int(n) for n in stride)
    if any(n < 0 for n in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: {list(size)}")
    if len(stride) != len(size) or any(n < 0 for n in stride) or storage_offset < 0:
        raise RuntimeError("Trying to resize storage that is not resizable")
    # the elements the view reaches must lie inside the storage: never read past it
    if 0 not in size and storage_offset + sum((n - 1) * st for n, st in zip(size, stride)) >= array.shape[0]:
        raise RuntimeError("Trying to resize storage that is not resizable")
    itemsize = array.dtype.itemsize
    if 0 in size:
        view = np.empty(size, dtype=array.dtype)
    elif size:
        view = np.lib.stride_tricks.as_strided(array[storage_offset:], shape=size,
                                               strides=tuple(st * itemsize for st in stride))
    else:
        view = array[storage_offset:storage_offset + 1].reshape(())
    t = Tensor._wrap(np.array(view, dtype=array.dtype), dt)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks: Any) -> Parameter:
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data: Tensor, requires_grad: bool, backward_hooks: Any, state: Any) -> Parameter:
    param = Parameter(data, requires_grad)
    if isinstance(state, tuple):
        state = state[0]
    if state:
        param.__dict__.update(state)
    return param


def _size(values: tuple) -> Size:
    return Size(values)


def _device(*args: Any) -> device:
    return device(*args)


def _codecs_encode(text: str, encoding: str = "utf-8") -> bytes:
    """What `_codecs.encode` does for the bytes objects of protocol-2 pickles."""
    return text.encode(encoding)


_ALLOWED: dict[str, Any] = {
    "collections.OrderedDict": OrderedDict,
    "collections.Counter": Counter,
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
    "torch.Size": _size,
    "torch.device": _device,
    "builtins.set": set,
    "builtins.frozenset": frozenset,
    "builtins.complex": complex,
    "builtins.bytearray": bytearray,
    "builtins.slice": slice,
    "_codecs.encode": _codecs_encode,
}
_ALLOWED.update({f"torch.{name}": _StorageType(name) for name in _STORAGE_DTYPES})
_ALLOWED.update({f"torch.{d.name}": d for d in dtypes.ALL})

# the other direction: what gradsh's objects are written as
_SAVE_NAMES = {
    _rebuild_tensor_v2: ("torch._utils", "_rebuild_tensor_v2"),
    _rebuild_parameter: ("torch._utils", "_rebuild_parameter"),
    _size: ("torch", "Size"),
    _device: ("torch", "device"),
    OrderedDict: ("collections", "OrderedDict"),
}


# ---- save ------------------------------------------------------------------------------------------------------
class _StorageRef:
    def __init__(self, key: str, t: Tensor) -> None:
        self.key, self.tensor = key, t


class _TorchPickler(pickle._Pickler):  # type: ignore[name-defined]  # the Python pickler lets us name globals
    """Writes gradsh tensors, parameters, dtypes, sizes and devices under PyTorch's global names."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file, protocol=2)
        self.storages: list[_StorageRef] = []

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _StorageRef):
            return ("storage", _StorageGlobal(_storage_name(obj.tensor.dtype)), obj.key, "cpu",
                    int(obj.tensor.numel()))
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Parameter):
            return _rebuild_parameter, (obj.detach(), obj.requires_grad, OrderedDict())
        if isinstance(obj, Tensor):
            ref = _StorageRef(str(len(self.storages)), obj)
            self.storages.append(ref)
            shape = tuple(obj.shape)
            stride = tuple(int(np.prod(shape[i + 1:], dtype=np.int64)) for i in range(len(shape)))
            return _rebuild_tensor_v2, (ref, 0, shape, stride, obj.requires_grad, OrderedDict())
        if isinstance(obj, Size):
            return _size, (tuple(obj),)
        if isinstance(obj, dtypes.dtype | _StorageGlobal):
            return obj.name  # a global: see save_global
        if isinstance(obj, device):
            return _device, (str(obj),)
        return NotImplemented

    def save_global(self, obj: Any, name: str | None = None) -> None:
        if isinstance(obj, dtypes.dtype | _StorageGlobal):
            module, name = "torch", obj.name
        elif obj in _SAVE_NAMES:
            module, name = _SAVE_NAMES[obj]
        else:
            return super().save_global(obj, name)
        self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode())
        self.memoize(obj)

    # the Python pickler dispatches functions and classes to its own save_global: route them here
    dispatch: ClassVar[dict] = dict(pickle._Pickler.dispatch)  # type: ignore[attr-defined]
    dispatch[types.FunctionType] = save_global
    dispatch[type] = save_global


class _StorageGlobal:
    """`torch.FloatStorage` as written into a pickle."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _StorageGlobal) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def _record_name(f: Any) -> str:
    if isinstance(f, str | os.PathLike):
        return os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
    return "archive"


def _aligned_entry(zf: zipfile.ZipFile, name: str, payload: bytes) -> None:
    """A stored record whose data starts at a multiple of 64 bytes, padded in its local extra field as PyTorch
    pads (so that PyTorch can mmap the storages)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    start = zf.fp.tell() + 30 + len(name.encode())
    pad = (-(start + 4)) % _STORAGE_ALIGNMENT
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # 'FB': PyTorch's padding record
    zf.writestr(info, payload)


def write_checkpoint(obj: Any, f: str | os.PathLike | IO[bytes], _disable_byteorder_record: bool = False) -> None:
    """Write obj to a path or a binary file object in PyTorch's zip format."""
    buffer = io.BytesIO()
    pickler = _TorchPickler(buffer)
    pickler.dump(obj)
    prefix = _record_name(f) + "/"
    own = isinstance(f, str | os.PathLike)
    if own:
        parent = os.path.dirname(os.fspath(f))
        if parent and not os.path.isdir(parent):
            raise RuntimeError(f"Parent directory {parent} does not exist.")
    target = open(f, "wb") if own else f  # noqa: SIM115 - closed below
    try:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr(prefix + "data.pkl", buffer.getvalue())
            zf.writestr(prefix + ".format_version", "1")
            zf.writestr(prefix + ".storage_alignment", str(_STORAGE_ALIGNMENT))
            if not _disable_byteorder_record:
                zf.writestr(prefix + "byteorder", "little")
            for ref in pickler.storages:
                _aligned_entry(zf, prefix + "data/" + ref.key, _to_bytes(ref.tensor))
            zf.writestr(prefix + "version", "3\n")
    finally:
        if own:
            target.close()


# ---- load ------------------------------------------------------------------------------------------------------
class _WeightsOnlyUnpickler(pickle.Unpickler):
    """Resolves only the allowed globals; storages come from the archive's data records."""

    def __init__(self, file: IO[bytes], records: Callable[[str], bytes], weights_only: bool) -> None:
        super().__init__(file, encoding="utf-8")
        self._records = records
        self._weights_only = weights_only
        self._loaded: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        # protocol-2 pickles name Python 2's modules (__builtin__.set): map them as PyTorch does
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        full_path = f"{module}.{name}"
        if not self._weights_only:
            return _ALLOWED[full_path] if full_path in _ALLOWED else super().find_class(module, name)
        if module in _BLOCKED_MODULES:  # never allowed, not even by add_safe_globals
            raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {full_path} whose module {module} is "
                                         "blocked.")
        if full_path in _ALLOWED:
            return _ALLOWED[full_path]
        user = _user_global(full_path)
        if user is not None:
            return user
        shown = full_path.removeprefix("builtins.")
        raise pickle.UnpicklingError(
            f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
            f"`torch.serialization.add_safe_globals([{shown}])` or the `torch.serialization.safe_globals([{shown}])` "
            "context manager to allowlist this global if you trust this class/function.")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage" and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError("unsupported persistent id encountered")
        _, storage_type, key, _location, _numel = pid
        if key not in self._loaded:
            self._loaded[key] = _from_bytes(self._records("data/" + key), storage_type.dtype)
        return self._loaded[key], storage_type.dtype


def read_checkpoint(f: str | os.PathLike | IO[bytes], weights_only: bool) -> Any:
    """Read a file PyTorch (or gradsh) saved; weights_only refuses every global beyond the allowed ones."""
    own = isinstance(f, str | os.PathLike)
    source = open(f, "rb") if own else f  # noqa: SIM115 - closed below
    try:
        if not zipfile.is_zipfile(source):
            raise RuntimeError("gradsh reads only PyTorch's zip format (what torch.save writes since PyTorch 1.6); "
                               "this file is in the legacy format: load it with --backend torch")
        source.seek(0)
        with zipfile.ZipFile(source) as zf:
            names = zf.namelist()
            pkl = next((n for n in names if n.endswith("/data.pkl") and n.count("/") == 1), None)
            if pkl is None:
                raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not found")
            prefix = pkl[: -len("data.pkl")]
            unpickler = _WeightsOnlyUnpickler(io.BytesIO(zf.read(pkl)), lambda name: zf.read(prefix + name),
                                              weights_only)
            try:
                return unpickler.load()
            except pickle.UnpicklingError as exc:
                if not weights_only:
                    raise
                raise pickle.UnpicklingError(_weights_only_message(str(exc))) from None
    finally:
        if own:
            source.close()


__all__ = ["read_checkpoint", "write_checkpoint"]
