"""torch.cuda streams and events on JAX.

JAX schedules every program itself and orders them by their data dependencies; it exposes no CUDA streams. So,
with a GPU, a `Stream` is a handle on that one ordered queue per device: `with torch.cuda.stream(s):` changes
nothing about where work runs, `wait_stream`/`wait_event` are already satisfied, and `synchronize()` waits for all
queued work. An `Event` records the moment the queue drains (`record()` waits for it), so `elapsed_time` measures
real completed work, at the cost of a synchronisation per record. Without a GPU the classes fail as torch's
CPU-only build fails (RuntimeError on construction).
"""

from __future__ import annotations

import time

__all__ = ["Stream", "ExternalStream", "Event"]


def _cuda():
    from .. import cuda

    return cuda


class Stream:
    """torch.cuda.Stream: the device's one ordered queue of JAX work (see the module docstring)."""

    def __init__(self, device=None, priority: int = 0, **kwargs) -> None:
        cuda = _cuda()
        if not cuda.is_available():
            raise RuntimeError("torch.cuda.Stream requires CUDA support")
        self.device_index = cuda._index(device)
        cuda._jax_gpu(self.device_index)
        self.priority = priority

    @property
    def device(self):
        from .._device import device as _device

        return _device("cuda", self.device_index)

    @property
    def cuda_stream(self) -> int:
        return 0  # JAX does not expose its stream handles

    def wait_event(self, event: Event) -> None:
        """Already satisfied: JAX orders dependent work itself."""

    def wait_stream(self, stream: Stream) -> None:
        """Already satisfied: every Stream is the same ordered queue."""

    def record_event(self, event: Event | None = None) -> Event:
        event = Event() if event is None else event
        event.record(self)
        return event

    def query(self) -> bool:
        self.synchronize()
        return True

    def synchronize(self) -> None:
        _cuda().synchronize(self.device_index)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stream) and other.device_index == self.device_index

    def __hash__(self) -> int:
        return hash(("cuda-stream", self.device_index))

    def __repr__(self) -> str:
        return f"<torch.cuda.Stream device=cuda:{self.device_index} cuda_stream=0x0>"


class ExternalStream(Stream):
    """A stream allocated outside torch: jaxtorch cannot run work on a foreign CUDA stream."""

    def __init__(self, stream_ptr: int, device=None, **kwargs) -> None:
        raise NotImplementedError("torch.cuda.ExternalStream is not supported by jaxtorch: JAX schedules its own "
                                  "streams")


class Event:
    """torch.cuda.Event: `record()` marks when the work queued so far has finished (it waits for it)."""

    def __init__(self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False,
                 external: bool = False) -> None:
        if not _cuda().is_available():
            raise RuntimeError("Tried to instantiate dummy base class Event")
        if interprocess:
            raise NotImplementedError("torch.cuda.Event(interprocess=True) is not supported by jaxtorch")
        self.enable_timing, self.blocking = enable_timing, blocking
        self._time: float | None = None
        self._device: int | None = None

    def record(self, stream: Stream | None = None) -> None:
        cuda = _cuda()
        index = cuda.current_device() if stream is None else stream.device_index
        cuda.synchronize(index)
        self._time, self._device = time.perf_counter(), index

    def wait(self, stream: Stream | None = None) -> None:
        """Already satisfied: the recorded work has finished."""

    def query(self) -> bool:
        return True

    def synchronize(self) -> None:
        """Nothing left to wait for: `record` waited."""

    def elapsed_time(self, end_event: Event) -> float:
        """Milliseconds between this event's record and `end_event`'s."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if self._time is None or end_event._time is None:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return (end_event._time - self._time) * 1000.0

    def ipc_handle(self):
        raise NotImplementedError("torch.cuda.Event.ipc_handle is not supported by jaxtorch")

    def __repr__(self) -> str:
        return f"<torch.cuda.Event {'recorded' if self._time is not None else 'uninitialized'}>"
