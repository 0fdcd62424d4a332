"""torch.mps (Apple Metal): never available in jaxtorch, answering as torch does on a machine without MPS.

is_available() is False and device_count() 0; calls that need the Metal backend raise torch's RuntimeError
("Cannot execute ...() without MPS backend.").
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = [
    "compile_shader",
    "load_metallib",
    "device_count",
    "get_rng_state",
    "manual_seed",
    "seed",
    "set_rng_state",
    "synchronize",
    "empty_cache",
    "set_per_process_memory_fraction",
    "current_allocated_memory",
    "driver_allocated_memory",
    "Event",
    "profiler",
    "recommended_max_memory",
    "is_available",
]


def _needs(call: str):
    def fail(*args: Any, **kwargs: Any):
        raise RuntimeError(f"Cannot execute {call}() without MPS backend.")

    fail.__name__ = call
    return fail


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """No MPS generator: nothing to seed (as torch without MPS)."""


def get_rng_state(device="mps"):
    raise RuntimeError("Cannot execute getDefaultGenerator() without MPS backend.")


def set_rng_state(new_state, device="mps") -> None:
    raise RuntimeError("Cannot execute getDefaultGenerator() without MPS backend.")


seed = _needs("getDefaultGenerator")
synchronize = _needs("deviceSynchronize")
empty_cache = _needs("emptyCache")
current_allocated_memory = _needs("getCurrentAllocatedMemory")
driver_allocated_memory = _needs("getDriverAllocatedMemory")
recommended_max_memory = _needs("getRecommendedMaxMemory")


def set_per_process_memory_fraction(fraction) -> None:
    raise RuntimeError("Cannot execute setMemoryFraction() without MPS backend.")


def compile_shader(source: str):
    raise RuntimeError("MPS is not available")


def load_metallib(source):
    raise RuntimeError("MPS is not available")


class Event:
    def __init__(self, enable_timing: bool = False) -> None:
        raise RuntimeError("Cannot execute acquireEvent() without MPS backend.")


class _Profile:
    def __init__(self, mode: str = "interval", wait_until_completed: bool = False) -> None:
        pass

    def __enter__(self):
        raise RuntimeError("Cannot execute profilerStartTrace() without MPS backend.")

    def __exit__(self, *exc: Any) -> bool:
        return False


# torch.mps.profiler, a submodule in torch
profiler = types.ModuleType(__name__ + ".profiler", "torch.mps.profiler: Metal profiling (no MPS backend here).")
profiler.start = _needs("profilerStartTrace")
profiler.stop = _needs("profilerStopTrace")
profiler.profile = _Profile
profiler.is_metal_capture_enabled = lambda: False
profiler.is_capturing_metal = lambda: False
profiler.metal_capture = _needs("startCapture")
sys.modules[profiler.__name__] = profiler
