"""torch.multiprocessing.queue: multiprocessing queues whose objects are pickled with multiprocessing's
ForkingPickler (the pickler torch registers its shared-memory reductions with). jaxtorch Tensors pickle by value, so
a tensor put on one of these queues arrives as a copy (see torch.multiprocessing)."""

from __future__ import annotations

import io
import multiprocessing.queues
import pickle
from multiprocessing.reduction import ForkingPickler

__all__: list = []


class ConnectionWrapper:
    """A multiprocessing Connection whose send/recv pickle with ForkingPickler; every other attribute is the
    connection's."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def send(self, obj) -> None:
        buf = io.BytesIO()
        ForkingPickler(buf, pickle.HIGHEST_PROTOCOL).dump(obj)
        self.send_bytes(buf.getvalue())

    def recv(self):
        return pickle.loads(self.recv_bytes())

    def __getattr__(self, name: str):
        if "conn" in self.__dict__:
            return getattr(self.conn, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute 'conn'")


class Queue(multiprocessing.queues.Queue):
    """multiprocessing's Queue sending through ConnectionWrapper."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._reader = ConnectionWrapper(self._reader)
        self._writer = ConnectionWrapper(self._writer)
        self._send = self._writer.send
        self._recv = self._reader.recv


class SimpleQueue(multiprocessing.queues.SimpleQueue):
    """multiprocessing's SimpleQueue sending through ConnectionWrapper."""

    def _make_methods(self) -> None:
        if not isinstance(self._reader, ConnectionWrapper):
            self._reader = ConnectionWrapper(self._reader)
            self._writer = ConnectionWrapper(self._writer)
        super()._make_methods()
