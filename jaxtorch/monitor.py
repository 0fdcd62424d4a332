"""torch.monitor (event and statistics logging to registered handlers): not supported by jaxtorch.

The aggregation enum is real; Event, Stat, the handlers and log_event raise NotImplementedError when used.
"""

from __future__ import annotations

import enum

from . import _unsupported

__all__ = [
    "Aggregation",
    "Event",
    "EventHandlerHandle",
    "Stat",
    "TensorboardEventHandler",
    "data_value_t",
    "log_event",
    "register_event_handler",
    "unregister_event_handler",
]

_WHY = "jaxtorch has no torch.monitor event pipeline; log with the logging module or a metrics library"


class Aggregation(enum.Enum):
    """How a Stat aggregates the values logged in a window."""

    VALUE = 0
    MEAN = 2
    COUNT = 3
    SUM = 4
    MAX = 5
    MIN = 6


VALUE, MEAN, COUNT, SUM, MAX, MIN = (
    Aggregation.VALUE,
    Aggregation.MEAN,
    Aggregation.COUNT,
    Aggregation.SUM,
    Aggregation.MAX,
    Aggregation.MIN,
)
STAT_EVENT = "torch.monitor.Stat"

log_event = _unsupported.function("torch.monitor.log_event", _WHY)
register_event_handler = _unsupported.function("torch.monitor.register_event_handler", _WHY)
unregister_event_handler = _unsupported.function("torch.monitor.unregister_event_handler", _WHY)
Event = _unsupported.cls("torch.monitor.Event", _WHY)
EventHandlerHandle = _unsupported.cls("torch.monitor.EventHandlerHandle", _WHY)
Stat = _unsupported.cls("torch.monitor.Stat", _WHY)
TensorboardEventHandler = _unsupported.cls("torch.monitor.TensorboardEventHandler", _WHY)
data_value_t = _unsupported.cls("torch.monitor.data_value_t", _WHY)
