"""torch.utils.data: datasets, samplers, collation and DataLoader; the batches (order and content) against real
PyTorch under the same seeds, with and without a generator, with worker processes on PyTorch's side."""

from __future__ import annotations

import math
from collections import namedtuple
from typing import Any

import numpy as np
import pytest

from gradsh import torch

data = torch.utils.data


def _real_torch() -> Any:
    real = pytest.importorskip("torch")
    if not hasattr(real, "_C"):
        pytest.skip("`import torch` does not give real PyTorch")
    return real


def _plain(batch: Any) -> Any:
    """A batch as plain Python (tensors as (dtype name, values)), comparable across the two sides."""
    if hasattr(batch, "tolist") and hasattr(batch, "dtype"):
        return (str(batch.dtype), batch.tolist())
    if isinstance(batch, dict):
        return {k: _plain(v) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        return type(batch).__name__, [_plain(b) for b in batch]
    return batch


def _loaders(T: Any) -> list:
    """Each scenario's batches, two epochs each, then a draw from the default generator (the RNG's state after)."""
    U = T.utils.data
    out = []
    X = T.arange(26.0).reshape(13, 2)
    y = T.arange(13)
    ds = U.TensorDataset(X, y)
    T.manual_seed(0)
    for kw in ({"batch_size": 4}, {"batch_size": 4, "shuffle": True}, {"batch_size": 5, "shuffle": True,
                                                                      "drop_last": True},
               {"batch_size": None, "shuffle": True}, {"batch_size": 3, "shuffle": True,
                                                       "generator": T.Generator().manual_seed(11)}):
        loader = U.DataLoader(ds, **kw)
        out.append([[_plain(b) for b in loader] for _ in range(2)])
    sampler = U.RandomSampler(ds, replacement=True, num_samples=40, generator=T.Generator().manual_seed(3))
    out.append(list(sampler))
    out.append(list(U.RandomSampler(range(7), num_samples=17)))
    out.append(list(U.SubsetRandomSampler([10, 20, 30, 40])))
    out.append(list(U.WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0], 25)))
    out.append(list(U.WeightedRandomSampler([1, 2, 3, 4, 5, 6], 4, replacement=False,
                                            generator=T.Generator().manual_seed(9))))
    parts = U.random_split(range(20), [0.25, 0.35, 0.4])
    out.append([list(p) for p in parts])
    parts = U.random_split(ds, [5, 8], generator=T.Generator().manual_seed(42))
    out.append([[_plain(s) for s in p] for p in parts])
    out.append([_plain(b) for b in U.DataLoader(parts[1], batch_size=3, shuffle=True)])
    out.append(T.randn(3).tolist())
    return out


@pytest.mark.parity
def test_batches_and_random_orders_match_pytorch() -> None:
    real = _real_torch()
    ours, theirs = _loaders(torch), _loaders(real)
    assert len(ours) == len(theirs)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"scenario {k}"


def _collations(T: Any) -> list:
    U = T.utils.data
    Point = namedtuple("Point", "x y")
    samples = [
        [(1, 2.5, "a"), (3, 4.5, "b")],
        [{"n": 1, "v": [1.0, 2.0]}, {"n": 2, "v": [3.0, 4.0]}],
        [Point(1, 2), Point(3, 4)],
        [np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)],
        [np.float32(1.5), np.float32(2.5)],
        [T.tensor([1.0, 2.0]), T.tensor([3.0, 4.0])],
        [[1, 2], [3, 4]],
    ]
    out = [_plain(U.default_collate(s)) for s in samples]
    out.append(_plain(U.default_convert((np.array([1.0]), {"k": np.int64(3)}))))
    return out


@pytest.mark.parity
def test_default_collate_matches_pytorch() -> None:
    real = _real_torch()
    assert _collations(torch) == _collations(real)


class _Counting:
    """An IterableDataset split between workers by get_worker_info(), as PyTorch's docs show."""

    def __init__(self, T: Any, n: int) -> None:
        self.T, self.n = T, n

    def __iter__(self) -> Any:
        info = self.T.utils.data.get_worker_info()
        if info is None:
            return iter(range(self.n))
        per = math.ceil(self.n / info.num_workers)
        start = info.id * per
        return iter(range(start, min(start + per, self.n)))


def _worker_batches(T: Any) -> list:
    U = T.utils.data

    class Counting(_Counting, U.IterableDataset):
        pass

    class Noisy(U.Dataset):
        def __len__(self) -> int:
            return 6

        def __getitem__(self, i: int) -> Any:
            info = U.get_worker_info()
            return i, info.id, info.seed - T.initial_seed() if info else None

    T.manual_seed(1)
    out = []
    out.append([_plain(b) for b in U.DataLoader(Counting(T, 11), batch_size=2, num_workers=2)])
    out.append([_plain(b) for b in U.DataLoader(Counting(T, 7), batch_size=None, num_workers=3)])
    loader = U.DataLoader(U.TensorDataset(T.arange(10)), batch_size=3, shuffle=True, num_workers=2)
    out.append([[_plain(b) for b in loader] for _ in range(2)])
    out.append([_plain(b) for b in U.DataLoader(Noisy(), batch_size=2, num_workers=2)])
    out.append(T.rand(2).tolist())
    return out


@pytest.mark.parity
def test_num_workers_gives_pytorchs_batches_in_pytorchs_order() -> None:
    real = _real_torch()
    assert _worker_batches(torch) == _worker_batches(real)


def test_loader_lengths_and_plain_values() -> None:
    ds = data.TensorDataset(torch.arange(10.0), torch.arange(10))
    assert len(data.DataLoader(ds, batch_size=3)) == 4
    assert len(data.DataLoader(ds, batch_size=3, drop_last=True)) == 3
    xb, yb = next(iter(data.DataLoader(ds, batch_size=4)))
    assert xb.tolist() == [0.0, 1.0, 2.0, 3.0] and yb.dtype == torch.int64
    assert len(ds) == 10 and ds[2][0].item() == 2.0
    cat = data.ConcatDataset([ds, data.Subset(ds, [9, 8])])
    assert len(cat) == 12 and cat[-1][1].item() == 8 and cat[10][1].item() == 9
    assert len(ds + ds) == 20


def test_dataset_and_loader_errors() -> None:
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        data.TensorDataset(torch.ones(3), torch.ones(4))
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        data.random_split(range(5), [2, 2])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        data.random_split(range(2), [0.9, 0.1])
    with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement __getitem__."):
        data.Dataset()[0]
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        data.DataLoader(range(3), sampler=data.SequentialSampler(range(3)), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive with batch_size"):
        data.DataLoader(range(3), batch_sampler=data.BatchSampler(range(3), 2, False), batch_size=2)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        data.DataLoader(range(3), num_workers=-1)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        data.BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(1, 2\)"):
        data.WeightedRandomSampler([[1.0, 2.0]], 2)
    with pytest.raises(ValueError, match="expected unspecified shuffle option, but got shuffle=True"):
        data.DataLoader(type("It", (data.IterableDataset,), {"__iter__": lambda self: iter([1])})(), shuffle=True)
    loader = data.DataLoader(range(3))
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 5
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers, "
                                        "dicts or lists; found <class 'object'>"):
        data.default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        data.default_collate([[1, 2], [3]])


def test_workers_see_their_own_info_and_the_main_process_none() -> None:
    seen = []

    class Recording(data.Dataset):
        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int) -> int:
            info = data.get_worker_info()
            seen.append((i, info.id, info.num_workers))
            return i

    batches = [b.tolist() for b in data.DataLoader(Recording(), batch_size=1, num_workers=2)]
    assert batches == [[0], [1], [2], [3]]
    assert seen == [(0, 0, 2), (1, 1, 2), (2, 0, 2), (3, 1, 2)]
    assert data.get_worker_info() is None


def test_pytorchs_dataloader_warnings() -> None:
    import os

    too_many = len(os.sched_getaffinity(0)) + 1
    with pytest.warns(UserWarning, match=f"^This DataLoader will create {too_many} worker processes in total. "
                                         "Our suggested max number of worker in current system is"):
        data.DataLoader(range(4), num_workers=too_many)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        list(data.DataLoader(range(2), pin_memory=True))


def _persistent_epochs(T: Any) -> list:
    U = T.utils.data

    class Noisy(U.Dataset):
        def __len__(self) -> int:
            return 7

        def __getitem__(self, i: int) -> Any:
            import random

            return i, T.rand(1).item(), U.get_worker_info().id, random.random(), float(np.random.rand())

    T.manual_seed(4)
    out = []
    for persistent in (True, False):
        loader = U.DataLoader(Noisy(), batch_size=2, shuffle=True, num_workers=2, persistent_workers=persistent)
        out.append([[_plain(b) for b in loader] for _ in range(3)])
    out.append(T.rand(1).tolist())
    return out


@pytest.mark.parity
def test_persistent_workers_keep_their_random_state_across_epochs() -> None:
    real = _real_torch()
    assert _persistent_epochs(torch) == _persistent_epochs(real)
