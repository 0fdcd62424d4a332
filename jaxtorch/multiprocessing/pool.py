"""torch.multiprocessing.pool: multiprocessing's Pool with torch's queues (see .queue) and workers that collect
garbage after they finish."""

from __future__ import annotations

import gc
import multiprocessing.pool
import multiprocessing.util

from .queue import SimpleQueue

__all__: list = []


def clean_worker(*args, **kwargs) -> None:
    """multiprocessing's pool worker loop, then a garbage collection so every destructor runs before exit."""
    multiprocessing.pool.worker(*args, **kwargs)
    gc.collect()


class Pool(multiprocessing.pool.Pool):
    """A process pool whose task and result queues are torch.multiprocessing's SimpleQueues."""

    def _setup_queues(self) -> None:
        # torch leaves out the context that Python 3.8+ requires here and in Process() (so its Pool cannot start)
        self._inqueue = SimpleQueue(ctx=self._ctx)
        self._outqueue = SimpleQueue(ctx=self._ctx)
        self._quick_put = self._inqueue._writer.send
        self._quick_get = self._outqueue._reader.recv

    def _repopulate_pool(self) -> None:
        for _ in range(self._processes - len(self._pool)):
            args = (self._inqueue, self._outqueue, self._initializer, self._initargs, self._maxtasksperchild)
            if hasattr(self, "_wrap_exception"):
                args += (self._wrap_exception,)
            worker = self.Process(self._ctx, target=clean_worker, args=args)
            self._pool.append(worker)
            worker.name = worker.name.replace("Process", "PoolWorker")
            worker.daemon = True
            worker.start()
            multiprocessing.util.debug("added worker")
