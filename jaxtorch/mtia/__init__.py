"""torch.mtia (Meta's training/inference accelerator): never available in jaxtorch, answering as a torch build
without MTIA does: is_available() False, device_count() 0, empty memory statistics, and torch's exceptions
(AssertionError from init(), RuntimeError "Cannot execute ...() without MTIA backend.") for calls that need it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "init",
    "is_available",
    "is_initialized",
    "synchronize",
    "device_count",
    "current_device",
    "current_stream",
    "default_stream",
    "memory_stats",
    "max_memory_allocated",
    "memory_allocated",
    "reset_peak_memory_stats",
    "get_device_capability",
    "get_device_properties",
    "record_memory_history",
    "snapshot",
    "attach_out_of_memory_observer",
    "empty_cache",
    "set_device",
    "set_stream",
    "stream",
    "device",
    "set_rng_state",
    "get_rng_state",
    "set_rng_state_all",
    "get_rng_state_all",
    "manual_seed",
    "manual_seed_all",
    "seed",
    "seed_all",
    "initial_seed",
    "is_bf16_supported",
    "MTIAGraph",
    "graph",
    "graph_pool_handle",
]

_NOT_COMPILED = "Torch not compiled with MTIA enabled (jaxtorch runs on JAX's CPU, GPU and TPU backends only)"
default_generators: tuple = ()


class DeferredMtiaCallError(Exception):
    pass


def _needs(call: str):
    def fail(*args: Any, **kwargs: Any):
        raise RuntimeError(f"Cannot execute {call}() without MTIA backend.")

    fail.__name__ = call
    return fail


def _not_compiled(*args: Any, **kwargs: Any):
    raise AssertionError(_NOT_COMPILED)


def is_available() -> bool:
    return False


def is_initialized() -> bool:
    return False


def device_count() -> int:
    return 0


def memory_stats(device=None) -> dict[str, Any]:
    return {}


def memory_allocated(device=None) -> int:
    return 0


max_memory_allocated = memory_allocated


def reset_peak_memory_stats(device=None) -> None:
    pass


def record_memory_history(enabled: str | None = "all", stacks: str = "python", max_entries: int = 0) -> None:
    pass


def get_rng_state_all() -> list:
    return []


def set_rng_state_all(new_states) -> None:
    pass


def manual_seed(seed: int) -> None:
    """Deferred by torch until MTIA initialises, which never happens: no effect."""


manual_seed_all = manual_seed


def seed() -> None:
    pass


seed_all = seed


def set_stream(stream) -> None:
    """No effect: torch returns early for None, and no MTIA stream can exist."""


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return True  # torch answers True without looking at a device


init = get_rng_state = initial_seed = _not_compiled
synchronize = current_device = current_stream = default_stream = _needs("getCurrentDevice")
get_device_capability = get_device_properties = set_rng_state = _needs("getCurrentDevice")
snapshot = _needs("memorySnapshot")
empty_cache = _needs("emptyCache")
set_device = _needs("setCurrentDevice")
attach_out_of_memory_observer = _needs("attachOutOfMemoryObserver")
graph_pool_handle = _needs("graphPoolHandle")


class StreamContext:
    def __init__(self, stream) -> None:
        raise RuntimeError("Cannot execute getCurrentDevice() without MTIA backend.")


def stream(stream) -> StreamContext:
    return StreamContext(stream)


class device:
    """Context manager selecting an MTIA device: entering it fails without MTIA."""

    def __init__(self, device) -> None:
        self.idx = device
        self.prev_idx = -1

    def __enter__(self):
        raise RuntimeError("Cannot execute maybeExchangeDevice() without MTIA backend.")

    def __exit__(self, *exc: Any) -> bool:
        return False


class MTIAGraph:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("Cannot execute mtiagraphCreate() without MTIA backend.")


class graph:
    def __init__(self, mtia_graph, pool=None, stream=None) -> None:
        raise RuntimeError("Cannot execute getCurrentDevice() without MTIA backend.")
