"""torch.accelerator.memory: device-generic memory statistics of the current accelerator.

The figures are JAX's allocator statistics for the device (`jax.Device.memory_stats()`), read the same way as
torch.cuda's (see its docstring): on a GPU these functions are torch.cuda's. Without an accelerator every call
raises torch's RuntimeError("Cannot access accelerator device when none is available."). Resetting peak or
accumulated counters on a TPU raises NotImplementedError (JAX has no call for it).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .. import _unsupported
from . import _require, current_device_index

__all__ = [
    "empty_cache",
    "empty_host_cache",
    "get_memory_info",
    "max_memory_allocated",
    "max_memory_reserved",
    "memory_allocated",
    "memory_reserved",
    "memory_stats",
    "reset_accumulated_memory_stats",
    "reset_peak_memory_stats",
]


def _device(device_index):
    """(accelerator kind, index, JAX device) for a device argument (None: the current device)."""
    from .._device import device as _torch_device

    kind, devs = _require()
    if device_index is None:
        index = current_device_index()
    elif isinstance(device_index, int):
        index = device_index
    else:
        d = _torch_device(device_index)
        if d.type != kind:
            raise ValueError(f"{d.type} doesn't match the current accelerator {kind}.")
        index = current_device_index() if d.index is None else d.index
    if not 0 <= index < len(devs):
        raise RuntimeError(f"Invalid device index {index}: {len(devs)} {kind} devices are available")
    return kind, index, devs[index]


def _stat(device_index, *keys: str) -> int:
    stats = memory_stats(device_index)
    for key in keys:
        if key in stats:
            return int(stats[key])
    return 0


def memory_stats(device_index=None, /) -> OrderedDict[str, Any]:
    """The accelerator allocator's statistics (JAX's names) for the device."""
    _, _, d = _device(device_index)
    return OrderedDict(sorted((d.memory_stats() or {}).items()))


def memory_allocated(device_index=None, /) -> int:
    return _stat(device_index, "bytes_in_use")


def max_memory_allocated(device_index=None, /) -> int:
    return _stat(device_index, "peak_bytes_in_use")


def memory_reserved(device_index=None, /) -> int:
    return _stat(device_index, "pool_bytes", "bytes_reserved", "bytes_limit")


def max_memory_reserved(device_index=None, /) -> int:
    return _stat(device_index, "peak_pool_bytes", "peak_bytes_reserved", "bytes_limit")


def get_memory_info(device_index=None, /) -> tuple[int, int]:
    """(free, total) bytes as the device's allocator sees them."""
    stats = memory_stats(device_index)
    total = int(stats.get("bytes_limit", 0))
    return (total - int(stats.get("bytes_in_use", 0)), total)


def empty_cache() -> None:
    """No effect: XLA's allocator keeps its pool (as torch.cuda.empty_cache in jaxtorch)."""
    _require()


def empty_host_cache() -> None:
    """No effect: jaxtorch keeps no cache of pinned host memory."""
    _require()


def _reset(feature: str, device_index) -> None:
    kind, index, _ = _device(device_index)
    if kind == "cuda":
        from .. import cuda

        getattr(cuda, feature)(index)
        return
    raise NotImplementedError(
        _unsupported.message(
            f"torch.accelerator.{feature}", "JAX does not expose a way to reset its allocator counters"
        )
    )


def reset_peak_memory_stats(device_index=None, /) -> None:
    _reset("reset_peak_memory_stats", device_index)


def reset_accumulated_memory_stats(device_index=None, /) -> None:
    _reset("reset_accumulated_memory_stats", device_index)
