"""What runs inside a DataLoader worker process: seeding, fetching, collation into numpy, error reporting.

Workers never batch with JAX: `default_collate` is swapped for its numpy twin (collate.numpy_collate), and a
custom `collate_fn`'s Tensors are turned into numpy before the batch is queued. The main process turns the
numpy leaves back into Tensors. A dataset whose `__getitem__` itself makes jaxtorch Tensors still runs JAX ops
inside the worker, on a CPU-only JAX of the worker's own (`_own_jax`; for a forked worker see fork.py).
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import collate as _collate
from . import fork as _fork

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper"]

_worker_info: WorkerInfo | None = None

_POLL_S = 1.0  # how often an idle worker checks that its parent is still alive


class WorkerInfo:
    """What `get_worker_info()` returns inside a worker: id, num_workers, seed, dataset (read-only)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any

    def __init__(self, **kwargs) -> None:
        for k, v in kwargs.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_keys", tuple(kwargs))

    def __setattr__(self, key, val):
        raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self._keys)
        return f"{self.__class__.__name__}({items})"


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker: its WorkerInfo (use it to shard an IterableDataset). In the main process: None."""
    return _worker_info


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process with the worker's traceback text."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        exc_type, exc, tb = exc_info if exc_info is not None else sys.exc_info()
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)  # KeyError's str() would repr() the text and hide the newlines
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            # the type needs other constructor arguments: keep the text, lose the type
            raise RuntimeError(msg) from None
        raise exception


class _KeyErrorMessage(str):
    def __repr__(self):
        return self


@dataclass(frozen=True)
class IterableDatasetStopIteration:
    """A worker's iterator is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class ResumeIteration:
    """Persistent workers: start the next epoch (fresh iterator over an IterableDataset)."""

    epoch: int


class MapFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        self.dataset, self.auto_collation, self.collate_fn, self.drop_last = dataset, auto_collation, collate_fn, \
            drop_last

    def fetch(self, index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class IterFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        self.dataset_iter = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, index):
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
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


def make_fetcher(is_iterable: bool, dataset, auto_collation: bool, collate_fn, drop_last: bool):
    cls = IterFetcher if is_iterable else MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


def _numpy_twin(collate_fn):
    """The collate function a worker runs: numpy versions of the defaults, else the user's plus a Tensor->numpy walk."""
    if collate_fn is _collate.default_collate:
        return _collate.numpy_collate
    if collate_fn is _collate.default_convert:
        return _collate.numpy_convert
    return lambda batch: _collate.to_transport(collate_fn(batch))


def _seed_worker(seed: int, worker_id: int) -> None:
    from .... import manual_seed

    random.seed(seed)
    manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, seed & 0xFFFFFFFF, seed >> 32]).generate_state(4))


def _own_jax(forked: bool, handoff) -> None:
    """A worker's JAX is its own and CPU-only (a GPU/TPU client per worker would claim accelerator memory): a
    forked worker replaces the JAX state it inherited; a fresh interpreter (spawn/forkserver) pins the
    platform, unless re-importing the main script has already started a backend."""
    if forked:
        _fork.reset_jax_in_child(handoff)
        return
    jax = sys.modules.get("jax")
    if jax is not None:
        from jax._src import xla_bridge

        if not xla_bridge._backends:
            jax.config.update("jax_platforms", "cpu")


def worker_loop(is_iterable: bool, dataset, index_queue, data_queue, auto_collation: bool, collate_fn,
                drop_last: bool, base_seed: int, init_fn, worker_id: int, num_workers: int,
                forked: bool = False, handoff=None) -> None:
    """Serve (task_id, indices) requests from index_queue until a None arrives or the parent dies."""
    global _worker_info
    try:
        seed = base_seed + worker_id
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        worker_collate = _numpy_twin(collate_fn)
        init_error = None
        fetcher = None
        try:  # a failure here reaches the main process with its traceback, as a dataset's error does
            _own_jax(forked, handoff)
            _seed_worker(seed, worker_id)
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(is_iterable, dataset, auto_collation, worker_collate, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        iteration_end = False
        parent = multiprocessing.parent_process()
        while True:
            try:
                task = index_queue.get(timeout=_POLL_S)
            except queue.Empty:
                if parent is not None and not parent.is_alive():
                    data_queue.cancel_join_thread()
                    return
                continue
            if task is None:
                data_queue.cancel_join_thread()  # what is still unsent is not wanted: exit without waiting
                return
            if isinstance(task, ResumeIteration):
                data_queue.put((task, None))
                iteration_end = False
                if is_iterable and init_error is None:
                    try:
                        fetcher = make_fetcher(is_iterable, dataset, auto_collation, worker_collate, drop_last)
                    except Exception:
                        init_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                continue
            if iteration_end:
                continue  # exhausted: the main process skips the tasks it had already queued here
            idx, index = task
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not is_iterable:
                        raise
                    data = IterableDatasetStopIteration(worker_id)
                    iteration_end = True
                except Exception:
                    data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            try:
                data_queue.put((idx, data))
            except Exception:  # the batch could not be pickled
                data_queue.put((idx, ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")))
    except KeyboardInterrupt:
        pass
