"""torch.save / torch.load: PyTorch's zip format both ways (with real PyTorch), round trips inside gradsh, and
the weights_only refusal of a hostile pickle without running it."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradsh import torch


def _real_torch() -> Any:
    real = pytest.importorskip("torch")
    if not hasattr(real, "_C"):
        pytest.skip("`import torch` does not give real PyTorch")
    return real


def _checkpoint(T: Any) -> dict:
    T.manual_seed(0)
    model = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.ReLU(), T.nn.Linear(4, 2))
    opt = T.optim.AdamW(model.parameters(), lr=0.01)
    model(T.randn(5, 3)).pow(2).sum().backward()
    opt.step()
    return {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 7, "loss": 0.125,
            "extras": [T.arange(4), T.tensor([True, False]), T.tensor([1.5, -2.0], dtype=T.float64),
                       T.tensor([0.5, 3.0], dtype=T.float16), T.tensor([1.0, 2.5], dtype=T.bfloat16),
                       T.tensor([1 + 2j]), T.tensor(3.0)],
            "meta": (T.float32, T.Size([2, 3]), "text", None, {"nested": (1, 2.0)})}


def _plain(x: Any) -> Any:
    if hasattr(x, "dtype") and hasattr(x, "tolist") and not isinstance(x, np.ndarray):
        return ("tensor", str(x.dtype), x.tolist(), x.requires_grad)
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return type(x).__name__, [_plain(v) for v in x]
    if hasattr(x, "is_floating_point"):  # a dtype
        return ("dtype", str(x))
    return x


def test_round_trip_in_gradsh(tmp_path: Path) -> None:
    ckpt = _checkpoint(torch)
    path = tmp_path / "ckpt.pt"
    torch.save(ckpt, path)
    back = torch.load(path)
    assert _plain(back) == _plain(ckpt)
    buffer = io.BytesIO()
    torch.save(torch.nn.Parameter(torch.ones(2)), buffer)
    buffer.seek(0)
    param = torch.load(buffer)
    assert isinstance(param, torch.nn.Parameter) and param.requires_grad and param.tolist() == [1.0, 1.0]


def test_the_archive_is_laid_out_as_pytorch_lays_it_out(tmp_path: Path) -> None:
    path = tmp_path / "weights.pt"
    torch.save({"w": torch.ones(3), "b": torch.zeros(2, dtype=torch.float64)}, path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names[0] == "weights/data.pkl" and "weights/version" in names and "weights/byteorder" in names
        assert zf.read("weights/data/0") == np.ones(3, dtype="<f4").tobytes()
        for info in zf.infolist():
            if "/data/" in info.filename:
                data_start = info.header_offset + 30 + len(info.filename) + len(info.extra)
                assert data_start % 64 == 0
        assert b"torch._utils\n_rebuild_tensor_v2" in zf.read("weights/data.pkl")


def test_model_state_dict_loads_back_into_a_model(tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = torch.nn.Linear(3, 2)
    torch.save(model.state_dict(), tmp_path / "m.pt")
    fresh = torch.nn.Linear(3, 2)
    fresh.load_state_dict(torch.load(tmp_path / "m.pt", weights_only=True))
    assert torch.equal(fresh.weight, model.weight) and torch.equal(fresh.bias, model.bias)


def _hostile_archive(path: Path, payload: bytes) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", payload)
        zf.writestr("archive/version", "3\n")


class _RunsACommand:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.marker}",))


class _CallsEval:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (eval, (f"open({self.marker!r}, 'w').close()",))


def test_a_hostile_pickle_is_refused_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    _hostile_archive(evil, pickle.dumps({"weights": _RunsACommand(str(marker))}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="^Weights only load failed. In PyTorch 2.6") as info:
        torch.load(evil)
    assert "Trying to load unsupported GLOBAL posix.system whose module posix is blocked." in str(info.value)
    assert not marker.exists()
    evil2 = tmp_path / "evil2.pt"
    _hostile_archive(evil2, pickle.dumps([_CallsEval(str(marker))], protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL eval was not an allowed global"):
        torch.load(evil2)
    assert not marker.exists()


@pytest.mark.parity
def test_hostile_pickle_errors_are_pytorchs(tmp_path: Path) -> None:
    real = _real_torch()
    marker = tmp_path / "pwned"
    for i, payload in enumerate([_RunsACommand(str(marker)), _CallsEval(str(marker))]):
        path = tmp_path / f"evil{i}.pt"
        _hostile_archive(path, pickle.dumps(payload, protocol=2))
        with pytest.raises(pickle.UnpicklingError) as ours:
            torch.load(path)
        with pytest.raises(pickle.UnpicklingError) as theirs:
            real.load(path)
        assert str(ours.value) == str(theirs.value)
    assert not marker.exists()


@pytest.mark.parity
def test_files_move_both_ways_between_gradsh_and_pytorch(tmp_path: Path) -> None:
    real = _real_torch()
    ours, theirs = _checkpoint(torch), _checkpoint(real)
    torch.save(ours, tmp_path / "from_gradsh.pt")
    real.save(theirs, tmp_path / "from_torch.pt")
    loaded_by_torch = real.load(tmp_path / "from_gradsh.pt")  # weights_only=True, PyTorch's default
    loaded_by_gradsh = torch.load(tmp_path / "from_torch.pt")
    assert _plain(loaded_by_torch) == _plain(ours)
    assert _plain(loaded_by_gradsh) == _plain(theirs)
    # a real model takes gradsh's state_dict, and the other way round
    model = real.nn.Sequential(real.nn.Linear(3, 4), real.nn.ReLU(), real.nn.Linear(4, 2))
    model.load_state_dict(loaded_by_torch["model"])
    opt = real.optim.AdamW(model.parameters(), lr=0.01)
    opt.load_state_dict(loaded_by_torch["optimizer"])
    ours_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    ours_model.load_state_dict(loaded_by_gradsh["model"])
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(ours_model(torch.tensor(x)).detach().numpy(),
                               model(real.tensor(x)).detach().numpy(), rtol=1e-6)
    # a strided view saved by PyTorch shares its storage; gradsh reads the view's elements
    real.save(real.arange(12.0).reshape(3, 4)[:, 1:3], tmp_path / "view.pt")
    assert torch.load(tmp_path / "view.pt").tolist() == [[1.0, 2.0], [5.0, 6.0], [9.0, 10.0]]


def test_sizes_beyond_the_storage_are_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    torch.save(torch.ones(2), buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    pkl = source.read("archive/data.pkl")
    assert b"K\x02\x85" in pkl  # the size (2,)
    path = tmp_path / "oob.pt"
    with zipfile.ZipFile(path, "w") as zf:
        for info in source.infolist():
            data = source.read(info.filename)
            zf.writestr(info.filename, data.replace(b"K\x02\x85", b"Kd\x85", 1) if info.filename.endswith(".pkl")
                        else data)
    with pytest.raises(RuntimeError, match="^Trying to resize storage that is not resizable$"):
        torch.load(path)  # a size of 100 over a storage of 2: refused, never read past the storage
    empty = io.BytesIO()
    torch.save(torch.ones(0, 3), empty)
    empty.seek(0)
    assert torch.load(empty).shape == (0, 3)


def test_legacy_and_missing_files() -> None:
    with pytest.raises(RuntimeError, match="legacy format"):
        torch.load(io.BytesIO(pickle.dumps({"a": 1})))
    with pytest.raises(FileNotFoundError):
        torch.load("/nonexistent/file.pt")
    with pytest.raises(RuntimeError, match="^Parent directory /nonexistent does not exist.$"):
        torch.save(torch.ones(1), "/nonexistent/file.pt")


class Point:
    """A user class a checkpoint may hold: refused by default, loaded once allowlisted."""

    def __init__(self, x: float) -> None:
        self.x = x


def test_add_safe_globals_allows_a_class_but_never_os(tmp_path: Path) -> None:
    path = tmp_path / "point.pt"
    torch.save({"p": Point(2.5)}, path)
    with pytest.raises(pickle.UnpicklingError, match=f"GLOBAL {__name__}.Point was not an allowed global"):
        torch.load(path)
    with torch.serialization.safe_globals([Point]):
        assert torch.load(path)["p"].x == 2.5
    assert torch.serialization.get_safe_globals() == []
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    _hostile_archive(evil, pickle.dumps(_RunsACommand(str(marker)), protocol=2))
    torch.serialization.add_safe_globals([os.system])
    try:
        with pytest.raises(pickle.UnpicklingError, match="whose module posix is blocked"):
            torch.load(evil)
    finally:
        torch.serialization.clear_safe_globals()
    assert not marker.exists()
