"""torch.cuda.memory: what jaxtorch can say about GPU memory, which XLA's allocator (not torch's caching allocator)
manages.

Without a GPU the answers are a CPU-only torch build's: statistics are empty and counters 0, and calls that need a
device raise AssertionError("Torch not compiled with CUDA enabled") -- also where torch's CPU build fails with an
internal AttributeError (memory_snapshot, caching_allocator_delete, get_allocator_backend, ...), since that is the
error it means. Resetting statistics is a no-op there (there is nothing recorded to reset).

With a GPU the figures come from `jax.Device.memory_stats()` (see torch.cuda's docstring for the mapping).
What XLA decides and torch lets a program change raises NotImplementedError: the per-process memory fraction (set
XLA_PYTHON_CLIENT_MEM_FRACTION before JAX starts), turning the caching allocator off (XLA_PYTHON_CLIENT_ALLOCATOR),
raw allocations (caching_allocator_alloc/delete), memory pools and pluggable allocators, allocator snapshots, and
resetting the accumulated counters (JAX has no call for it).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from typing import Any

from .. import _unsupported
from . import (
    _NO_CUDA,
    _gpus,
    _jax_gpu,
    _lazy_init,
    empty_cache,
    is_initialized,
    max_memory_allocated,
    max_memory_reserved,
    mem_get_info,
    memory_allocated,
    memory_reserved,
    memory_stats,
    reset_peak_memory_stats,
)
from ._nvml import list_gpu_processes

__all__ = [
    "caching_allocator_alloc",
    "caching_allocator_delete",
    "caching_allocator_disabled",
    "caching_allocator_enable",
    "get_per_process_memory_fraction",
    "set_per_process_memory_fraction",
    "empty_cache",
    "memory_stats",
    "memory_stats_as_nested_dict",
    "reset_accumulated_memory_stats",
    "reset_peak_memory_stats",
    "reset_max_memory_allocated",
    "reset_max_memory_cached",
    "host_memory_stats",
    "host_memory_stats_as_nested_dict",
    "reset_accumulated_host_memory_stats",
    "reset_peak_host_memory_stats",
    "memory_allocated",
    "max_memory_allocated",
    "memory_reserved",
    "max_memory_reserved",
    "memory_cached",
    "max_memory_cached",
    "memory_snapshot",
    "memory_summary",
    "list_gpu_processes",
    "mem_get_info",
    "get_allocator_backend",
    "CUDAPluggableAllocator",
    "change_current_allocator",
    "MemPool",
    "use_mem_pool",
]

is_initialized = is_initialized
_XLA_ALLOCATOR = "XLA's GPU allocator is configured by XLA_PYTHON_CLIENT_* environment variables before JAX starts"


def _require_gpu() -> None:
    if not _gpus():
        raise AssertionError(_NO_CUDA)


def _xla_decides(feature: str) -> None:
    """Raise the error for a call jaxtorch cannot honour: AssertionError without a GPU (as torch's CPU build),
    NotImplementedError with one."""
    _require_gpu()
    raise NotImplementedError(_unsupported.message(feature, _XLA_ALLOCATOR))


def caching_allocator_alloc(size: int, device=None, stream=None) -> int:
    """Allocate raw device memory (torch returns its address). Not possible through JAX."""
    _lazy_init()
    _xla_decides("torch.cuda.caching_allocator_alloc")


def caching_allocator_delete(mem_ptr: int) -> None:
    _xla_decides("torch.cuda.caching_allocator_delete")


def caching_allocator_enable(value: bool = True) -> None:
    """Turning the caching allocator on is what XLA always does; turning it off raises NotImplementedError (set
    XLA_PYTHON_CLIENT_ALLOCATOR=platform before JAX starts). Without a GPU: nothing to do, as in torch."""
    if _gpus() and not value:
        raise NotImplementedError(_unsupported.message("torch.cuda.caching_allocator_enable(False)", _XLA_ALLOCATOR))


@contextlib.contextmanager
def caching_allocator_disabled():
    """Run a block with the caching allocator off (see caching_allocator_enable)."""
    caching_allocator_enable(False)
    try:
        yield
    finally:
        caching_allocator_enable(True)


def set_per_process_memory_fraction(fraction: float, device=None) -> None:
    _xla_decides("torch.cuda.set_per_process_memory_fraction")


def get_per_process_memory_fraction(device=None) -> float:
    _xla_decides("torch.cuda.get_per_process_memory_fraction")


def memory_stats_as_nested_dict(device=None) -> dict[str, Any]:
    """JAX's allocator statistics have flat names (no dotted groups), so the nested form is the flat one."""
    return memory_stats(device)


def reset_accumulated_memory_stats(device=None) -> None:
    if _gpus():
        raise NotImplementedError(
            _unsupported.message(
                "torch.cuda.reset_accumulated_memory_stats", "JAX does not expose a way to reset its allocator counters"
            )
        )


def reset_max_memory_allocated(device=None) -> None:
    warnings.warn(
        "torch.cuda.reset_max_memory_allocated now calls torch.cuda.reset_peak_memory_stats, which resets "
        "/all/ peak memory stats.",
        FutureWarning,
        stacklevel=2,
    )
    return reset_peak_memory_stats(device)


def reset_max_memory_cached(device=None) -> None:
    warnings.warn(
        "torch.cuda.reset_max_memory_cached now calls torch.cuda.reset_peak_memory_stats, which resets "
        "/all/ peak memory stats.",
        FutureWarning,
        stacklevel=2,
    )
    return reset_peak_memory_stats(device)


def memory_cached(device=None) -> int:
    warnings.warn(
        "`torch.cuda.memory_cached` has been renamed to `torch.cuda.memory_reserved`", FutureWarning, stacklevel=2
    )
    return memory_reserved(device)


def max_memory_cached(device=None) -> int:
    warnings.warn(
        "`torch.cuda.max_memory_cached` has been renamed to `torch.cuda.max_memory_reserved`",
        FutureWarning,
        stacklevel=2,
    )
    return max_memory_reserved(device)


def host_memory_stats() -> dict[str, Any]:
    """Statistics of torch's pinned-host allocator: jaxtorch has none (JAX stages host copies itself), so {}."""
    return {}


def host_memory_stats_as_nested_dict() -> dict[str, Any]:
    return {}


def reset_accumulated_host_memory_stats() -> None:
    """Nothing is recorded for host memory (see host_memory_stats)."""


def reset_peak_host_memory_stats() -> None:
    """Nothing is recorded for host memory (see host_memory_stats)."""


def memory_snapshot(mempool_id=None, include_traces: bool = True):
    _xla_decides("torch.cuda.memory_snapshot")


def _format_size(nbytes: int) -> str:
    for unit in ("B  ", "KiB", "MiB", "GiB", "TiB"):
        if abs(nbytes) < 1024 or unit == "TiB":
            return f"{nbytes:6.0f} {unit}" if unit == "B  " else f"{nbytes:6.2f} {unit}"
        nbytes /= 1024
    raise AssertionError("unreachable")


def _summary_table(device_index: int, stats: dict) -> str:
    """The text of memory_summary for one device's JAX allocator statistics."""
    width = 75
    lines = [
        "|" + "=" * width + "|",
        "|" + f" jaxtorch CUDA memory summary, device ID {device_index} ".center(width) + "|",
        "|" + "-" * width + "|",
        "|" + " figures from XLA's allocator (jax.Device.memory_stats())".ljust(width) + "|",
        "|" + "=" * width + "|",
    ]
    for key in sorted(stats):
        value = stats[key]
        shown = _format_size(value) if "bytes" in key else str(value)
        lines.append("| " + key.ljust(40) + shown.rjust(width - 42) + " |")
    lines.append("|" + "=" * width + "|")
    return "\n".join(lines) + "\n"


def memory_summary(device=None, abbreviated: bool = False) -> str:
    """A table of the device's allocator statistics (JAX's, not torch's: see the module docstring). `abbreviated`
    makes no difference: JAX's statistics are already one line each."""
    from . import _index

    d = _jax_gpu(device)
    return _summary_table(_index(device), dict(d.memory_stats() or {}))


def get_allocator_backend() -> str:
    """'native' for XLA's own caching (BFC) allocator, 'cudaMallocAsync' when XLA_PYTHON_CLIENT_ALLOCATOR=cuda_async
    selects CUDA's stream-ordered allocator (torch's two names for the same two choices)."""
    _require_gpu()
    return "cudaMallocAsync" if os.environ.get("XLA_PYTHON_CLIENT_ALLOCATOR") == "cuda_async" else "native"


CUDAPluggableAllocator = _unsupported.cls("torch.cuda.memory.CUDAPluggableAllocator", _XLA_ALLOCATOR)
MemPool = _unsupported.cls("torch.cuda.memory.MemPool", _XLA_ALLOCATOR)
change_current_allocator = _unsupported.function("torch.cuda.memory.change_current_allocator", _XLA_ALLOCATOR)


@contextlib.contextmanager
def use_mem_pool(pool, device=None):
    _xla_decides("torch.cuda.use_mem_pool")
    yield  # pragma: no cover


def _record_memory_history(enabled: str | None = "all", *args, **kwargs) -> None:
    """Recording allocation history (for the memory visualizer) is not available from XLA's allocator; turning it
    off is accepted. Use jax.profiler.save_device_memory_profile for a pprof memory profile instead."""
    if enabled is None or enabled is False:
        return
    _xla_decides("torch.cuda.memory._record_memory_history")


def _snapshot(device=None, augment_with_fx_traces: bool = False):
    _xla_decides("torch.cuda.memory._snapshot")


def _dump_snapshot(filename: str = "dump_snapshot.pickle", augment_with_fx_traces: bool = False) -> None:
    _xla_decides("torch.cuda.memory._dump_snapshot")
