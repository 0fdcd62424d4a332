"""DataLoader: batches from a dataset, in the main process or in worker processes.

Worker processes and JAX
------------------------
On Linux a worker is a plain fork of the main process, as in torch: it inherits the dataset, and every class
and function defined in `__main__`, without pickling, so a script without an `if __name__ == "__main__":`
guard, a notebook and `python -c` code all work, and nothing is re-imported. JAX is not fork-safe: the child
inherits the parent's XLA client and MLIR thread pool without their threads, so a JAX call in a plainly forked
child waits forever (measured: `torch.tensor([1.0]) * 3`, or any op on a tensor made in the main process,
hangs). So the main process hands each forked worker numpy views of its tensors' host buffers, and the worker,
before running anything, swaps them in as the tensors' payloads and gives itself a CPU-only JAX of its own,
never touching the parent's (_utils/fork.py); a dataset may then make and compute with tensors as in torch.
Measured on 2 busy cores (`python -m jaxtorch`, a numpy dataset, a JAX backend already running): 2 workers
deliver their first batch 0.1-0.3 s after `iter()` (torch: 0.03 s); the previous forkserver design took
2.3-3.4 s for the first epoch and 0.7-0.9 s for later ones. The hand-off costs one pass over the gc-tracked
objects in the main process (~30-100 ms), and a worker's first JAX op starts its CPU client (~20 ms).

`multiprocessing_context=` is honoured ('spawn' / 'forkserver' workers start from a fresh interpreter and
re-import the main script, so they need the guard), and so is a start method the program chose with
`multiprocessing.set_start_method`, as torch does. Where fork is not the right default (not Linux), workers
start from a forkserver that preloads numpy and JAX's Python modules (never `__main__` or jaxtorch), or
'spawn'. A worker's JAX runs on CPU only (a spawned one's unless re-importing the script already started a
backend): accelerators stay the main process's.
Use `persistent_workers=True` to pay the start-up once rather than every epoch.

Workers collate into numpy (see _utils/collate.py) and the main process makes the Tensors, so batches cross
the process boundary as plain numpy arrays. Batches come back in sampler order. A worker's exception is
re-raised in the main process with the worker's traceback text; a worker that dies is reported as a
RuntimeError naming its pid, with torch's wording and its exit code or signal as the cause, as soon as the main
process runs out of results to read (it waits on the result pipe and the workers' process sentinels together).
`pin_memory` is accepted and does nothing (JAX manages host/device transfers).
"""

from __future__ import annotations

import itertools
import multiprocessing as _mp
import queue
import signal
import sys
import time
import warnings
from multiprocessing.connection import wait as _wait_ready
from typing import Any, Callable, Generic, Iterator, TypeVar

from ._utils import fork as _fork
from ._utils import worker as _worker
from ._utils.collate import default_collate, default_convert, from_transport
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

_T_co = TypeVar("_T_co", covariant=True)

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]

get_worker_info = _worker.get_worker_info

# What the forkserver imports up front where workers cannot fork: heavy, and none of it starts a JAX backend.
_FORKSERVER_PRELOAD = ["numpy", "ml_dtypes", "jax", "jax.numpy", "jax.nn", "jax.scipy.special", "optax"]
_SHUTDOWN_GRACE_S = 5.0  # how long a finished loader waits for its workers to exit before terminating them
_ABORT_GRACE_S = 1.0  # the same after a worker died, so that the error comes promptly


def _default_context():
    """The start method workers get when DataLoader's multiprocessing_context is None (module docstring)."""
    chosen = _mp.get_start_method(allow_none=True)
    if chosen is not None:  # the program chose one with multiprocessing.set_start_method: torch honours it
        return _mp.get_context(chosen)
    methods = _mp.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods:
        return _mp.get_context("fork")
    if "forkserver" in methods:
        from multiprocessing import forkserver

        server = forkserver._forkserver
        if getattr(server, "_forkserver_pid", None) is None:
            server._preload_modules = list(_FORKSERVER_PRELOAD)
            return _mp.get_context("forkserver")
        if "__main__" not in (getattr(server, "_preload_modules", None) or []):
            return _mp.get_context("forkserver")
    return _mp.get_context("spawn")


def _start_forked(process) -> None:
    """Start a forked worker without the warnings a fork of a multithreaded process gives: the worker
    replaces the JAX state it inherits before it runs anything (_utils/fork.py)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message=r".*use of fork\(\) may lead to deadlocks",
                                category=DeprecationWarning)
        process.start()


def _death_message(process) -> str | None:
    """torch's account of how a worker died (the cause of its "exited unexpectedly" error)."""
    code = process.exitcode
    if not code:
        return None
    if code < 0:
        try:
            name = signal.strsignal(-code)
        except ValueError:
            name = None
        return f"DataLoader worker (pid {process.pid}) is killed by signal: {name or -code}. "
    return (f"DataLoader worker (pid {process.pid}) exited unexpectedly with exit code {code}. Details are lost due "
            "to multiprocessing. Rerunning with num_workers=0 may give better error trace.")


class _InfiniteConstantSampler(Sampler):
    """Index source for IterableDataset: None forever (the dataset decides when to stop)."""

    def __iter__(self):
        while True:
            yield None


def _draw_base_seed(generator) -> int:
    from ... import randint

    return int(randint(0, 2**63 - 1, (), generator=generator).item())


class DataLoader(Generic[_T_co]):
    """torch.utils.data.DataLoader: same arguments and semantics (see the module docstring for workers)."""

    _initialized = False

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | None = None, batch_sampler: Sampler | None = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False, drop_last: bool = False,
                 timeout: float = 0, worker_init_fn: Callable | None = None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
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

        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            if shuffle not in {False, None}:
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
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")

        if sampler is None:
            if self._is_iterable:
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
        self._iterator = None
        self._initialized = True

    @property
    def multiprocessing_context(self):
        return self._mp_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, ctx) -> None:
        if ctx is not None:
            if self.num_workers == 0:
                raise ValueError("multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(ctx, str):
                valid = _mp.get_all_start_methods()
                if ctx not in valid:
                    raise ValueError(f"multiprocessing_context option should specify a valid start method in "
                                     f"{valid!r}, but got multiprocessing_context={ctx!r}")
                ctx = _mp.get_context(ctx)
            if not isinstance(ctx, _mp.context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context object or a string "
                                f"specifying the start method, but got multiprocessing_context={ctx}")
        object.__setattr__(self, "_mp_context", ctx)

    def __setattr__(self, attr, val) -> None:
        if self._initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                          "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> Iterator:
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if self.persistent_workers:
            if self._iterator is None:
                self._iterator = _MultiProcessIter(self)
            else:
                self._iterator._reset(self)
            return self._iterator
        return _MultiProcessIter(self)

    def __len__(self) -> int:
        if self._is_iterable:
            length = len(self.dataset)  # TypeError when the dataset has no __len__, as in torch
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else -(-length // self.batch_size)
            return length
        return len(self._index_sampler)


class _BaseIter:
    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._dataset = loader.dataset
        self._is_iterable = loader._is_iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._collate_fn = loader.collate_fn
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._sampler_iter = iter(self._index_sampler)
        # torch draws a base seed from the loader's generator for every epoch, workers or not
        self._base_seed = _draw_base_seed(loader.generator)
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _next_index(self):
        return next(self._sampler_iter)

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self) -> Any:
        data = self._next_data()
        self._num_yielded += 1
        return data


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._fetcher = _worker.make_fetcher(self._is_iterable, self._dataset, self._auto_collation,
                                             self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._fetcher.fetch(index)


class _MultiProcessIter(_BaseIter):
    """Round-robin tasks over worker processes; results are handed out in task order."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._persistent = loader.persistent_workers
        ctx = loader.multiprocessing_context or _default_context()
        forked = ctx.get_start_method() == "fork"
        handoff = _fork.prepare_parent((self._dataset, self._collate_fn, loader.worker_init_fn)) if forked else None
        self._result_queue = ctx.Queue()
        self._index_queues = []
        self._workers = []
        for wid in range(self._num_workers):
            iq = ctx.Queue()
            iq.cancel_join_thread()  # never block interpreter exit on undelivered tasks
            w = ctx.Process(target=_worker.worker_loop, daemon=True,
                            args=(self._is_iterable, self._dataset, iq, self._result_queue, self._auto_collation,
                                  self._collate_fn, self._drop_last, self._base_seed, loader.worker_init_fn, wid,
                                  self._num_workers, forked, handoff))
            if forked:
                _start_forked(w)
            else:
                w.start()
            self._index_queues.append(iq)
            self._workers.append(w)
        self._shutdown = False
        self._epoch = 0
        self._reset(loader, first=True)

    def _reset(self, loader: DataLoader, first: bool = False) -> None:
        if not first:
            super().__init__(loader)  # fresh sampler iterator and base seed
            self._epoch += 1
            # persistent workers: restart every worker's epoch and drain what the last one left behind
            for iq in self._index_queues:
                iq.put(_worker.ResumeIteration(self._epoch))
            pending = self._num_workers
            while pending:
                tag, _ = self._get_data()
                if isinstance(tag, _worker.ResumeIteration) and tag.epoch == self._epoch:
                    pending -= 1
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict[int, tuple] = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self) -> None:
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            wid = next(self._worker_cycle)
            if self._workers_status[wid]:
                break
        else:
            return  # every worker is exhausted (IterableDataset)
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _get_data(self):
        """The next (task id, data) from any worker. Waits on the result pipe and the live workers' process
        sentinels together: a worker's death is seen as soon as nothing is left to read."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        reader = self._result_queue._reader
        while True:
            try:
                return self._result_queue.get_nowait()
            except queue.Empty:
                pass
            watched = {w.sentinel: w for wid, w in enumerate(self._workers) if self._workers_status[wid]}
            wait_s = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = _wait_ready([reader, *watched], timeout=wait_s)
            if reader in ready:
                continue
            dead = [w for w in watched.values() if not w.is_alive()]
            if dead:
                self._shutdown_workers(grace=_ABORT_GRACE_S)
                pids = ", ".join(str(w.pid) for w in dead)
                causes = [m for m in map(_death_message, dead) if m]
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from (
                    RuntimeError(causes[0]) if causes else None)
            if not ready and deadline is not None:
                self._shutdown_workers()
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None

    def _next_data(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._workers_status[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)  # its worker ran out of data: skip the task
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[1])
            idx, data = self._get_data()
            if isinstance(idx, _worker.ResumeIteration):
                continue  # a late acknowledgement from a previous reset
            self._tasks_outstanding -= 1
            if isinstance(data, _worker.IterableDatasetStopIteration):
                self._workers_status[data.worker_id] = False
                if not self._persistent:
                    self._index_queues[data.worker_id].put(None)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if idx in self._task_info:
                    self._task_info[idx] += (data,)
                continue
            del self._task_info[idx]
            self._rcvd_idx += 1
            return self._process(data)

    def _process(self, data):
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            self._shutdown_workers()
            data.reraise()
        return from_transport(data)

    def _shutdown_workers(self, grace: float = _SHUTDOWN_GRACE_S) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        for iq in self._index_queues:
            try:
                iq.put(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + grace
        for w in self._workers:
            w.join(timeout=max(0.0, deadline - time.monotonic()))
        for w in self._workers:
            if w.is_alive():
                w.terminate()
                w.join(timeout=1.0)
        for q in self._index_queues:
            q.close()
        self._result_queue.cancel_join_thread()
        self._result_queue.close()

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:
            pass
