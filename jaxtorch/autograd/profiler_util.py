"""torch.autograd.profiler_util: the containers torch's autograd profiler reports its per-op events in.

jaxtorch's profiler records a JAX trace, not torch's per-op events (see autograd/profiler.py), so the event
containers (EventList, FunctionEvent, FunctionEventAvg, MemRecordsAcc) are stand-ins that raise
NotImplementedError when constructed; EventList, FunctionEvent and MemRecordsAcc are the same classes as
torch.autograd.profiler's. The plain value types (Interval, Kernel, EventMetadata, StringTable) and the
FormattedTimesMixin helpers are real.
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from typing import Any, NamedTuple

from .. import _unsupported
from .profiler import EventList, FunctionEvent, MemRecordsAcc

__all__ = [
    "EventList",
    "EventMetadata",
    "FormattedTimesMixin",
    "Interval",
    "Kernel",
    "FunctionEvent",
    "FunctionEventAvg",
    "StringTable",
    "MemRecordsAcc",
]

_NO_EVENTS = "jaxtorch's profiler records a JAX trace, not torch's per-op events (see torch.autograd.profiler)"

FunctionEventAvg = _unsupported.cls("torch.autograd.profiler_util.FunctionEventAvg", _NO_EVENTS)


def _format_time(time_us: float) -> str:
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _time_str(name: str) -> property:
    return property(lambda self: _format_time(getattr(self, name)))


class FormattedTimesMixin:
    """Average and formatted times for a class that has `*_time_total` and `count` attributes."""

    cpu_time_str = _time_str("cpu_time")
    device_time_str = _time_str("device_time")
    cpu_time_total_str = _time_str("cpu_time_total")
    device_time_total_str = _time_str("device_time_total")
    self_cpu_time_total_str = _time_str("self_cpu_time_total")
    self_device_time_total_str = _time_str("self_device_time_total")

    @property
    def cpu_time(self) -> float:
        return 0.0 if self.count == 0 else 1.0 * self.cpu_time_total / self.count

    @property
    def device_time(self) -> float:
        return 0.0 if self.count == 0 else 1.0 * self.device_time_total / self.count

    @property
    def cuda_time(self) -> float:
        return self.device_time


class Interval:
    """A [start, end] time span, in microseconds."""

    def __init__(self, start: float, end: float) -> None:
        self.start = start
        self.end = end

    def elapsed_us(self) -> float:
        return self.end - self.start


Kernel = namedtuple("Kernel", ["name", "device", "duration"])


class EventMetadata(NamedTuple):
    """Kernel, memory and collective-communication details of one profiler event."""

    registers_per_thread: int | None
    shared_memory: int | None
    grid: list[int] | None
    block: list[int] | None
    priority: int | None
    blocks_per_sm: float | None
    warps_per_sm: float | None
    occupancy: dict[str, Any] | None
    est_occupancy_pct: float | None
    queued: int | None
    graph_id: int | None
    graph_node_id: int | None
    stream: int | None
    context: int | None
    channel: int | None
    channel_type: int | None
    bytes: int | None
    bandwidth_gb_s: float | None
    collective_name: str | None
    dtype: str | None
    in_msg_nelems: int | None
    out_msg_nelems: int | None
    in_split_size: str | None
    out_split_size: str | None
    global_rank_start: int | None
    global_rank_stride: int | None
    group_size: int | None
    process_group_name: str | None
    process_group_desc: str | None
    group_ranks: str | None
    rank: int | None
    src_rank: int | None
    dst_rank: int | None
    seq: int | None
    is_async: bool | None


class StringTable(defaultdict):
    """Memoised demangling of symbol names; jaxtorch has no C++ symbols to demangle, so a name maps to itself."""

    def __missing__(self, key: str) -> str:
        self[key] = key
        return key
