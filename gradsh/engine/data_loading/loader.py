"""torch.utils.data.DataLoader: batches from a dataset through a sampler and a collate function.

The random numbers are PyTorch's: each new iterator draws a 64-bit base seed from the loader's generator (or
the default one) after making its sampler iterator, as PyTorch's _BaseDataLoaderIter does, so shuffled
orders match PyTorch's epoch after epoch. `num_workers > 0` runs the workers in this process, one after
another in PyTorch's round-robin order: the same batches in the same order, and inside each worker the same
`get_worker_info()`, `torch.initial_seed()`, Python `random` and numpy global seeds as a PyTorch worker
process has.
"""

from __future__ import annotations

import math
import os
import random
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import dtypes
from ..creation import empty
from ..ops import random_ops
from .collate import default_collate, default_convert
from .datasets import Dataset, IterableDataset
from .samplers import BatchSampler, RandomSampler, Sampler, SequentialSampler, _InfiniteConstantSampler


@dataclass(frozen=True)
class WorkerInfo:
    """What get_worker_info() returns inside a worker: PyTorch's fields (frozen, as PyTorch's)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any
    rng: Any = None
    worker_method: str = "multiprocessing"


_current_worker: list[WorkerInfo | None] = [None]


def get_worker_info() -> WorkerInfo | None:
    """The running worker's info, or None in the main process."""
    return _current_worker[0]


class _Fetcher:
    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False
        self.dataset_iter = iter(dataset) if isinstance(dataset, IterableDataset) else None

    def fetch(self, index: Any) -> Any:
        if self.dataset_iter is not None:
            if self.ended:
                raise StopIteration
            if self.auto_collation:
                data = []
                for _ in index:
                    try:
                        data.append(next(self.dataset_iter))
                    except StopIteration:
                        self.ended = True
                        break
                if len(data) == 0 or (self.drop_last and len(data) < len(index)):
                    raise StopIteration
            else:
                data = next(self.dataset_iter)
            return self.collate_fn(data)
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _Worker:
    """One emulated worker: its own dataset iterator, default-generator state and Python random state, seeded
    base_seed + id as PyTorch seeds its worker processes."""

    def __init__(self, loader: DataLoader, worker_id: int, base_seed: int) -> None:
        self.loader = loader
        self.info = WorkerInfo(id=worker_id, num_workers=loader.num_workers, seed=base_seed + worker_id,
                               dataset=loader.dataset)
        generator = random_ops.Generator()
        generator.manual_seed(self.info.seed)
        self.torch_state = generator.get_state()
        self.py_state = random.Random(self.info.seed).getstate()
        # numpy's global generator: PyTorch seeds it with a SeedSequence of (worker id, base seed's two halves)
        np_seed = np.random.SeedSequence([worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]).generate_state(4)
        self.np_state = np.random.RandomState(np_seed).get_state()
        self._run(self._start)

    def _start(self) -> None:
        if self.loader.worker_init_fn is not None:
            self.loader.worker_init_fn(self.info.id)
        self.restart_in_worker()

    def restart_in_worker(self) -> None:
        loader = self.loader
        self.fetcher = _Fetcher(loader.dataset, loader._auto_collation, loader.collate_fn, loader.drop_last)

    def restart(self) -> None:
        """A new epoch (persistent workers): a new dataset iterator, made inside the worker."""
        self._run(self.restart_in_worker)

    def fetch(self, index: Any) -> Any:
        return self._run(lambda: self.fetcher.fetch(index))

    def _run(self, work: Callable[[], Any]) -> Any:
        """work() as this worker: its info current, its torch and Python random states in force."""
        saved = random_ops.get_rng_state(), random.getstate(), np.random.get_state()
        random_ops.set_rng_state(self.torch_state)
        random.setstate(self.py_state)
        np.random.set_state(self.np_state)
        _current_worker[0] = self.info
        try:
            return work()
        finally:
            _current_worker[0] = None
            self.torch_state, self.py_state, self.np_state = (random_ops.get_rng_state(), random.getstate(),
                                                              np.random.get_state())
            random_ops.set_rng_state(saved[0])
            random.setstate(saved[1])
            np.random.set_state(saved[2])


class _DataLoaderIter:
    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        if loader.pin_memory:  # there is no accelerator here
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=3)
        self._sampler_iter = iter(loader._index_sampler)
        self._base_seed = int(empty((), dtype=dtypes.int64).random_(generator=loader.generator).item())
        self._num_yielded = 0
        if loader.num_workers == 0:
            fetcher = _Fetcher(loader.dataset, loader._auto_collation, loader.collate_fn, loader.drop_last)
            self._workers: list = [fetcher]
        else:
            self._workers = [_Worker(loader, i, self._base_seed) for i in range(loader.num_workers)]
        self._active = [True] * len(self._workers)
        self._cycle = 0

    def __iter__(self) -> _DataLoaderIter:
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def _reset(self) -> None:
        """A new epoch for persistent workers: a new sampler pass, every worker active, a fresh dataset iterator
        in each worker (made inside it), the turns from worker 0; no new base seed is drawn."""
        self._sampler_iter = iter(self._loader._index_sampler)
        self._num_yielded = 0
        self._active = [True] * len(self._workers)
        self._cycle = 0
        for worker in self._workers:
            worker.restart()

    def _next_worker(self) -> int:
        """Workers take turns (round robin over the ones still running), as PyTorch hands out its tasks."""
        n = len(self._workers)
        for _ in range(n):
            worker_id = self._cycle % n
            self._cycle += 1
            if self._active[worker_id]:
                return worker_id
        raise StopIteration

    def __next__(self) -> Any:
        while any(self._active):
            index = next(self._sampler_iter)  # StopIteration ends the epoch
            worker_id = self._next_worker()
            try:
                data = self._workers[worker_id].fetch(index)
            except StopIteration:
                if not isinstance(self._loader.dataset, IterableDataset):
                    raise
                self._active[worker_id] = False  # this worker's replica is exhausted; the others go on
                continue
            self._num_yielded += 1
            return data
        raise StopIteration


class DataLoader:
    """Combines a dataset and a sampler and iterates over batches; PyTorch's arguments and checks."""

    __initialized = False

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | None = None, batch_sampler: Sampler | None = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False, drop_last: bool = False,
                 timeout: float = 0, worker_init_fn: Callable | None = None, multiprocessing_context: Any = None,
                 generator: random_ops.Generator | None = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        if isinstance(dataset, IterableDataset):
            if isinstance(shuffle, bool) and shuffle:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None:
            if isinstance(dataset, IterableDataset):
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._iterator: _DataLoaderIter | None = None
        self.__initialized = True
        self._check_worker_number_rationality()

    def _check_worker_number_rationality(self) -> None:
        """PyTorch's warning for more workers than CPUs (its workers are processes; gradsh's run in turn)."""
        if not self.num_workers:
            return
        suggest = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        if suggest is None or self.num_workers > suggest:
            if suggest is None:
                advice = "DataLoader is not able to compute a suggested max number of worker in current system."
            else:
                cpuset = "" if hasattr(os, "sched_getaffinity") else " (`cpuset` is not taken into account)"
                advice = (f"Our suggested max number of worker in current system is {suggest}{cpuset}, which is "
                          "smaller than what this DataLoader is going to create.")
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. {advice} "
                          "Please be aware that excessive worker creation might get DataLoader running slow or "
                          "even freeze, lower the worker number to avoid potential slowness/freeze if necessary.",
                          stacklevel=3)

    def __setattr__(self, attr: str, val: Any) -> None:
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                           "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> Iterator:
        if self.persistent_workers and self.num_workers > 0:
            # the workers (their RNG states too) live as long as the loader; each epoch resets them
            if self._iterator is None:
                self._check_worker_number_rationality()
                self._iterator = _DataLoaderIter(self)
            else:
                self._iterator._reset()
            return self._iterator
        self._check_worker_number_rationality()
        return _DataLoaderIter(self)

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)
