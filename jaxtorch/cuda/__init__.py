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


from . import amp, graphs, nvtx, streams  # noqa: E402,F401
from .graphs import (  # noqa: E402,F401
    CUDAGraph, graph, graph_pool_handle, is_current_stream_capturing, make_graphed_callables)
from .streams import Event, ExternalStream, Stream  # noqa: E402,F401

_current_streams: dict = {}


class StreamContext:
    """`with torch.cuda.stream(s):` makes s the current stream (None: no change), as torch's StreamContext."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self._saved = None

    def __enter__(self):
        if self.stream is not None:
            index = self.stream.device_index
            self._saved = (index, _current_streams.get(index))
            _current_streams[index] = self.stream
        return self

    def __exit__(self, *exc) -> bool:
        if self._saved is not None:
            index, previous = self._saved
            if previous is None:
                _current_streams.pop(index, None)
            else:
                _current_streams[index] = previous
        return False


def stream(stream) -> StreamContext:
    return StreamContext(stream)


def default_stream(device=None) -> Stream:
    _lazy_init()
    return Stream(_index(device))


def current_stream(device=None) -> Stream:
    _lazy_init()
    index = _index(device)
    return _current_streams.get(index) or Stream(index)


def set_stream(stream) -> None:
    if stream is not None:
        _current_streams[stream.device_index] = stream


class CudaError(RuntimeError):
    def __init__(self, code: int) -> None:
        super().__init__(f"CUDA error code {code}")
        self.code = code


class DeferredCudaCallError(Exception):
    pass


has_half = True
has_magma = False

__getattr__ = _shim._make_getattr(__name__)

from .._tensortype import CUDA_TENSOR_TYPES as _CUDA_TENSOR_TYPES  # noqa: E402

globals().update(_CUDA_TENSOR_TYPES)  # torch.cuda.FloatTensor, ... (legacy typed-tensor names)


# --- the rest of torch.cuda's names (memory / random / NVML submodules and CPU-build behaviour without a GPU) ---

class cudaStatus:
    SUCCESS: int = 0
    ERROR_NOT_READY: int = 34


def check_error(res: int) -> None:
    """Raise CudaError for a non-zero CUDA runtime status code."""
    if res != cudaStatus.SUCCESS:
        raise CudaError(res)


def _gpu_only(feature: str, why: str):
    """A torch.cuda call jaxtorch cannot make: AssertionError without a GPU (torch's CPU build), NotImplementedError
    with one."""
    from .. import _unsupported

    def call(*args, **kwargs):
        _lazy_init()
        raise NotImplementedError(_unsupported.message(f"torch.cuda.{feature}", why))

    call.__name__ = call.__qualname__ = feature
    call.__doc__ = f"Not available in jaxtorch: {why}. Without a GPU it raises AssertionError as torch's CPU build."
    return call


_NO_RUNTIME = "jaxtorch does not call the CUDA runtime or its libraries directly (XLA owns them)"
cudart = _gpu_only("cudart", _NO_RUNTIME)
current_blas_handle = _gpu_only("current_blas_handle", _NO_RUNTIME)
current_solver_handle = _gpu_only("current_solver_handle", _NO_RUNTIME)
can_device_access_peer = _gpu_only("can_device_access_peer", "JAX does not report peer access between GPUs")

_SYNC_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}
_sync_debug_mode = 0


def set_sync_debug_mode(debug_mode: int | str) -> None:
    """Only mode 0 ("default") is available: jaxtorch does not instrument synchronizing operations (for host
    transfers, see jax.transfer_guard)."""
    global _sync_debug_mode
    _lazy_init()
    if isinstance(debug_mode, str):
        if debug_mode not in _SYNC_DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, `error`")
        debug_mode = _SYNC_DEBUG_MODES[debug_mode]
    if debug_mode != 0:
        from .. import _unsupported

        raise NotImplementedError(_unsupported.message(
            f"torch.cuda.set_sync_debug_mode({debug_mode})",
            "jaxtorch does not instrument synchronizing operations (see jax.transfer_guard for host transfers)"))
    _sync_debug_mode = 0


def get_sync_debug_mode() -> int:
    _lazy_init()
    return _sync_debug_mode


def ipc_collect() -> None:
    """Nothing to collect: jaxtorch never shares CUDA memory between processes (tensors cross processes by value)."""
    _lazy_init()


def get_stream_from_external(data_ptr: int, device=None) -> Stream:
    """A Stream wrapping an externally created cudaStream_t."""
    _lazy_init()
    return ExternalStream(data_ptr, device)


def is_tf32_supported() -> bool:
    """Whether the current GPU does TF32 matmuls natively (compute capability 8.0 or newer); False without a GPU."""
    return bool(_gpus()) and get_device_capability()[0] >= 8


def get_gencode_flags() -> str:
    """NVCC -gencode flags for the architectures in get_arch_list() (none are listed by JAX, so '')."""
    pairs = [arch.split("_") for arch in get_arch_list()]
    return " ".join(f"-gencode compute=compute_{arch},code={kind}_{arch}" for kind, arch in pairs)


from . import (  # noqa: E402,F401
    comm, gds, green_contexts, jiterator, memory, nccl, profiler, random, sparse, tunable)
from ._nvml import (  # noqa: E402,F401
    clock_rate, device_memory_used, list_gpu_processes, memory_usage, power_draw, temperature, utilization)
from .green_contexts import GreenContext  # noqa: E402,F401
from .memory import (  # noqa: E402,F401
    CUDAPluggableAllocator, MemPool, caching_allocator_alloc, caching_allocator_delete, caching_allocator_disabled,
    caching_allocator_enable, change_current_allocator, get_allocator_backend, get_per_process_memory_fraction,
    host_memory_stats, host_memory_stats_as_nested_dict, max_memory_cached, memory_cached, memory_snapshot,
    memory_stats_as_nested_dict, memory_summary, reset_accumulated_host_memory_stats, reset_accumulated_memory_stats,
    reset_max_memory_allocated, reset_max_memory_cached, reset_peak_host_memory_stats, set_per_process_memory_fraction,
    use_mem_pool)
from .random import set_rng_state_all  # noqa: E402,F401


class _CudaStorageMeta(type):
    def __instancecheck__(cls, instance) -> bool:
        from ..storage import TypedStorage

        return (isinstance(instance, TypedStorage) and instance.dtype == cls.dtype
                and instance.device.type == "cuda")


def _cuda_storage(name: str, dtype) -> type:
    """torch.cuda.<Name>Storage: a legacy typed storage on the current CUDA device (AssertionError without one)."""

    def __new__(cls, *args, wrap_storage=None, **kwargs):
        from ..storage import TypedStorage

        _lazy_init()
        if wrap_storage is not None:
            return TypedStorage(wrap_storage=wrap_storage, dtype=dtype, _internal=True)
        return TypedStorage(*args, dtype=dtype, device=f"cuda:{current_device()}", _internal=True)

    return _CudaStorageMeta(name, (), {"__new__": __new__, "dtype": dtype, "is_cuda": True, "__module__": __name__})


def _cuda_storages() -> dict:
    from ..storage import _LEGACY

    return {name: _cuda_storage(name, cls.dtype) for name, cls in _LEGACY.items()}


globals().update(_cuda_storages())

_shim_getattr = __getattr__


def __getattr__(name: str):
    if name == "default_generators":
        # one generator for every device; asked lazily so that importing jaxtorch does not start JAX's GPU backend
        from .. import random as _random

        return tuple(_random.default_generator for _ in _gpus())
    return _shim_getattr(name)
