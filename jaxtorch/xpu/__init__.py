"""torch.xpu (Intel GPUs): never available in jaxtorch, answering as a torch build without XPU support does.

Queries report nothing (is_available() False, device_count() 0, memory figures 0, empty lists); calls that need
a device raise torch's exceptions for that build (AssertionError "Torch not compiled with XPU enabled", ...).
"""

from __future__ import annotations

import collections
import sys
import types
from typing import Any

__all__ = [
    "Event",
    "Stream",
    "StreamContext",
    "XPUPluggableAllocator",
    "XPUGraph",
    "can_device_access_peer",
    "change_current_allocator",
    "clock_rate",
    "current_device",
    "current_stream",
    "default_generators",
    "device",
    "device_of",
    "device_count",
    "device_memory_used",
    "empty_cache",
    "get_arch_list",
    "get_device_capability",
    "get_device_name",
    "get_device_properties",
    "get_gencode_flags",
    "get_per_process_memory_fraction",
    "get_rng_state",
    "get_rng_state_all",
    "get_stream_from_external",
    "graph",
    "graph_pool_handle",
    "init",
    "initial_seed",
    "is_available",
    "is_bf16_supported",
    "is_current_stream_capturing",
    "is_initialized",
    "is_tf32_supported",
    "make_graphed_callables",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "max_memory_reserved",
    "mem_get_info",
    "memory_allocated",
    "memory_reserved",
    "memory_snapshot",
    "memory_stats",
    "memory_stats_as_nested_dict",
    "memory_usage",
    "MemPool",
    "power_draw",
    "use_mem_pool",
    "reset_accumulated_memory_stats",
    "reset_peak_memory_stats",
    "seed",
    "seed_all",
    "set_device",
    "set_per_process_memory_fraction",
    "set_rng_state",
    "set_rng_state_all",
    "set_stream",
    "stream",
    "streams",
    "synchronize",
    "temperature",
    "utilization",
]

_NOT_COMPILED = "Torch not compiled with XPU enabled"
default_generators: tuple = ()


def _no_xpu(*args: Any, **kwargs: Any):
    raise AssertionError(_NOT_COMPILED)


def _dummy(name: str):
    def fail(*args: Any, **kwargs: Any):
        raise RuntimeError(f"Tried to instantiate dummy base class {name}")

    return fail


class _DummyBase:
    """An XPU runtime object: constructing it fails as in torch without XPU."""

    def __new__(cls, *args: Any, **kwargs: Any):
        raise RuntimeError(f"Tried to instantiate dummy base class {cls.__name__}")


class Stream(_DummyBase):
    pass


class Event(_DummyBase):
    pass


class XPUGraph(_DummyBase):
    pass


class MemPool(_DummyBase):
    pass


def _no_telemetry(*args: Any, **kwargs: Any):
    # torch reads XPU telemetry through the pyzes package; with no XPU there is nothing to read
    raise ImportError("pyzes is required to read XPU telemetry, and jaxtorch has no XPU devices")


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def is_tf32_supported() -> bool:
    return False


def get_arch_list() -> list[str]:
    return []


def get_gencode_flags() -> str:
    return ""


def empty_cache() -> None:
    """Nothing to release."""


def memory_allocated(device=None) -> int:
    return 0


max_memory_allocated = memory_reserved = max_memory_reserved = memory_allocated


def memory_stats(device=None) -> dict[str, Any]:
    return collections.OrderedDict()


def memory_stats_as_nested_dict(device=None) -> dict[str, Any]:
    return {}


def memory_snapshot(mempool_id=None) -> list:
    return []


def get_rng_state_all() -> list:
    return []


def manual_seed(seed: int) -> None:
    """No XPU generator to seed (torch defers it until XPU initialises, which never happens)."""


manual_seed_all = manual_seed


def seed() -> None:
    pass


seed_all = seed


def set_rng_state(new_state, device="xpu") -> None:
    """Deferred in torch until XPU initialises, which never happens: no effect."""


def set_rng_state_all(new_states) -> None:
    pass


def set_stream(stream) -> None:
    """No effect: torch returns early for stream=None, and no XPU Stream can exist."""


(
    current_device,
    current_stream,
    get_device_capability,
    get_device_name,
    get_device_properties,
    get_per_process_memory_fraction,
    get_rng_state,
    init,
    initial_seed,
    mem_get_info,
    synchronize,
    set_device,
    set_per_process_memory_fraction,
    can_device_access_peer,
    use_mem_pool,
    get_stream_from_external,
) = (_no_xpu,) * 16

clock_rate = device_memory_used = memory_usage = power_draw = temperature = utilization = _no_telemetry
graph_pool_handle = _dummy("_xpu_graph_pool_handle")
is_current_stream_capturing = _dummy("_xpu_isCurrentStreamCapturing")


def reset_peak_memory_stats(device=None) -> None:
    # torch's CPU-only build fails here with AttributeError (its C binding is missing); same type, clearer text
    raise AttributeError("torch.xpu.reset_peak_memory_stats: there is no XPU memory allocator in this build")


reset_accumulated_memory_stats = reset_peak_memory_stats


def change_current_allocator(allocator) -> None:
    raise AttributeError("torch.xpu.change_current_allocator: there is no XPU memory allocator in this build")


class XPUPluggableAllocator:
    def __init__(self, path_to_lib_file: str, alloc_fn_name: str, free_fn_name: str) -> None:
        raise OSError(f"{path_to_lib_file}: an XPU allocator library cannot be loaded without XPU support")


class StreamContext:
    """Selects an XPU stream; only None (no change) can be given without XPU."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            raise AssertionError(_NOT_COMPILED)

    def __exit__(self, *exc: Any) -> None:
        pass


def stream(stream) -> StreamContext:
    return StreamContext(stream)


class device:
    """Context manager selecting an XPU device: entering it fails without XPU support."""

    def __init__(self, device) -> None:
        self.idx = device
        self.prev_idx = -1

    def __enter__(self):
        raise NotImplementedError("PyTorch was compiled without XPU support")

    def __exit__(self, *exc: Any) -> bool:
        return False


class device_of(device):
    def __init__(self, obj) -> None:
        super().__init__(getattr(obj.device, "index", None))


class graph:
    def __init__(self, xpu_graph, pool=None, stream=None) -> None:
        raise RuntimeError("Tried to instantiate dummy base class Stream")


def make_graphed_callables(
    callables, sample_args, num_warmup_iters: int = 3, allow_unused_input: bool = False, pool=None
):
    raise RuntimeError("Tried to instantiate dummy base class XPUGraph")


# torch.xpu.streams, a submodule in torch
streams = types.ModuleType(__name__ + ".streams", "torch.xpu.streams: XPU streams and events (no XPU here).")
streams.Stream, streams.Event = Stream, Event
sys.modules[streams.__name__] = streams
