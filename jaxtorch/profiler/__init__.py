"""torch.profiler on jaxtorch: torch's profiler API recording JAX profiler traces (see profiler.profiler)."""

from __future__ import annotations

from ..autograd import profiler as _autograd_profiler  # noqa: F401  (also makes torch.autograd.profiler an attribute)
from ..autograd.profiler import record_function
from . import profiler  # noqa: F401
from .profiler import (  # noqa: F401
    DeviceType,
    ExecutionTraceObserver,
    ProfilerAction,
    ProfilerActivity,
    _ExperimentalConfig,
    kineto_available,
    profile,
    schedule,
    supported_activities,
    tensorboard_trace_handler,
)

__all__ = [
    "profile",
    "schedule",
    "supported_activities",
    "tensorboard_trace_handler",
    "ProfilerAction",
    "ProfilerActivity",
    "kineto_available",
    "DeviceType",
    "record_function",
    "ExecutionTraceObserver",
]
