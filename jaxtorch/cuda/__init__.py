"""torch.cuda that tells the truth about JAX's devices.

`is_available()` is True only when JAX has a GPU backend with at least one local device; `device_count()` counts
JAX's local GPUs. Without a GPU the answers and errors are those of a CPU-only PyTorch build: counts are 0, memory
queries return 0 (there is no CUDA memory to report), and calls that need a device raise
`AssertionError("Torch not compiled with CUDA enabled")`.

With a GPU: memory figures come from JAX's allocator (`jax.Device.memory_stats()`): `memory_allocated` is
'bytes_in_use', `max_memory_allocated` 'peak_bytes_in_use', `memory_reserved` the allocator's pool ('pool_bytes',
else 'bytes_reserved', else 'bytes_limit' since XLA preallocates). `empty_cache()` does nothing (XLA owns its pool).
`synchronize()` waits for queued JAX work. `manual_seed(_all)` seeds jaxtorch's default generator, which is the one
CUDA tensors draw from (one generator for every device); without a GPU they do nothing, as in CPU-only torch, so
CPU random streams are unaffected. `set_device(i)` records the current device that `current_device()` reports.
"""

from __future__ import annotations

import functools

import jax
import numpy as np

from .. import _shim

__all__ = [
    "is_available", "device_count", "current_device", "set_device", "synchronize", "manual_seed", "manual_seed_all",
    "seed", "seed_all", "initial_seed", "get_rng_state", "set_rng_state", "get_device_name", "get_device_properties",
    "get_device_capability", "memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved",
    "memory_stats", "mem_get_info", "empty_cache", "reset_peak_memory_stats", "is_initialized", "init",
    "is_bf16_supported", "get_arch_list", "device", "device_of",
]

_NO_CUDA = "Torch not compiled with CUDA enabled"
_current = 0


@functools.lru_cache(maxsize=None)
def _gpus() -> tuple:
    try:
        return tuple(jax.local_devices(backend="gpu"))
    except RuntimeError:  # JAX has no GPU backend in this install
        return ()


def _lazy_init() -> None:
    if not _gpus():
        raise AssertionError(_NO_CUDA + " (jaxtorch: JAX has no GPU backend in this process)")


def _index(dev) -> int:
    """Device index from None / int / 'cuda:n' / torch.device, like torch's _get_device_index."""
    from .._device import device as _torch_device

    if dev is None:
        return _current
    if isinstance(dev, (str, _torch_device)):
        d = _torch_device(dev)
        if d.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {d}")
        return _current if d.index is None else d.index
    return int(dev)


def _jax_gpu(dev=None):
    _lazy_init()
    i = _index(dev)
    gpus = _gpus()
    if not 0 <= i < len(gpus):
        raise AssertionError("Invalid device id")
    return gpus[i]


def is_available() -> bool:
    return bool(_gpus())


def device_count() -> int:
    return len(_gpus())


def is_initialized() -> bool:
    return bool(_gpus())


def init() -> None:
    _lazy_init()


def current_device() -> int:
    _lazy_init()
    return _current


def set_device(dev) -> None:
    """Record the current CUDA device (torch: a negative index is a no-op)."""
    global _current
    i = _index(dev)
    if i < 0:
        return
    _jax_gpu(i)  # validates
    _current = i


def synchronize(dev=None) -> None:
    """Wait until the device has finished the work queued so far."""
    d = _jax_gpu(dev)
    jax.effects_barrier()
    # XLA runs a device's programs in order, so a finished tiny program means earlier ones have finished too.
    # It must be a program: a bare device_put is a host-to-device copy on its own stream and does not wait.
    _sync_probe(jax.device_put(np.int32(0), d)).block_until_ready()


@jax.jit
def _sync_probe(x):
    return x + 1


class _DeviceProperties:
    """What torch.cuda.get_device_properties reports, filled from what JAX knows about the device."""

    def __init__(self, d) -> None:
        self.name = d.device_kind
        cc = str(getattr(d, "compute_capability", "0.0"))
        major, _, minor = cc.partition(".")
        self.major, self.minor = int(major or 0), int(minor or 0)
        self.multi_processor_count = int(getattr(d, "core_count", 0) or 0)
        stats = d.memory_stats() or {}
        self.total_memory = int(stats.get("bytes_limit", 0))

    def __repr__(self) -> str:
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count})")


def get_device_properties(dev=None) -> _DeviceProperties:
    return _DeviceProperties(_jax_gpu(dev))


def get_device_name(dev=None) -> str:
    return _jax_gpu(dev).device_kind


def get_device_capability(dev=None) -> tuple[int, int]:
    p = get_device_properties(dev)
    return (p.major, p.minor)


def is_bf16_supported(including_emulation: bool = True) -> bool:
    if not _gpus():
        return False
    return get_device_capability()[0] >= 8


def get_arch_list() -> list[str]:
    return []  # jaxlib's CUDA kernels are not enumerated by JAX


def memory_stats(dev=None) -> dict:
    """JAX's allocator statistics for the device ({} without a GPU, as torch's CPU build returns)."""
    if not _gpus():
        return {}
    return dict(_jax_gpu(dev).memory_stats() or {})


def _stat(dev, *keys: str) -> int:
    stats = memory_stats(dev)
    for k in keys:
        if k in stats:
            return int(stats[k])
    return 0


def memory_allocated(device=None) -> int:
    return _stat(device, "bytes_in_use")


def max_memory_allocated(device=None) -> int:
    return _stat(device, "peak_bytes_in_use")


def memory_reserved(device=None) -> int:
    return _stat(device, "pool_bytes", "bytes_reserved", "bytes_limit")


def max_memory_reserved(device=None) -> int:
    return _stat(device, "peak_pool_bytes", "peak_bytes_reserved", "bytes_limit")


def mem_get_info(device=None) -> tuple[int, int]:
    """(free, total) bytes as JAX's allocator sees them."""
    d = _jax_gpu(device)
    stats = d.memory_stats() or {}
    total = int(stats.get("bytes_limit", 0))
    return (total - int(stats.get("bytes_in_use", 0)), total)


def empty_cache() -> None:
    """No effect: XLA's allocator keeps its pool."""


def reset_peak_memory_stats(device=None) -> None:
    """No effect: JAX does not expose a way to reset its peak counters."""


def manual_seed(seed: int) -> None:
    if _gpus():
        from .. import random

        random.manual_seed(seed)


manual_seed_all = manual_seed


def seed() -> None:
    if _gpus():
        from .. import random

        random.seed()


seed_all = seed


def initial_seed() -> int:
    _lazy_init()
    from .. import random

    return random.initial_seed()


def get_rng_state(device="cuda"):
    _lazy_init()
    from .. import random

    return random.get_rng_state()


def set_rng_state(new_state, device="cuda") -> None:
    _lazy_init()
    from .. import random

    random.set_rng_state(new_state)


def get_rng_state_all() -> list:
    return [get_rng_state() for _ in range(device_count())]


class device:
    """torch.cuda.device(i): context manager that makes i the current device."""

    def __init__(self, device) -> None:
        self.idx = _index(device) if device is not None else -1
        self.prev_idx = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev_idx = current_device()
            set_device(self.idx)
        return self

    def __exit__(self, *exc) -> bool:
        if self.idx >= 0:
            set_device(self.prev_idx)
        return False


class device_of(device):
    """torch.cuda.device_of(tensor): the current device is the tensor's (if it is a CUDA tensor)."""

    def __init__(self, obj) -> None:
        d = obj.device
        super().__init__(d.index if d.type == "cuda" and d.index is not None else -1)


from . import amp  # noqa: E402,F401

__getattr__ = _shim._make_getattr(__name__)
