"""torch.accelerator: the accelerator JAX has here (a GPU as 'cuda', a TPU as 'tpu'), or none.

With no accelerator the answers are those of CPU-only torch: is_available() False, current_accelerator() None,
device_count() 0, and calls that need a device raise RuntimeError("Cannot access accelerator device when none is
available.").
"""

from __future__ import annotations

import functools

import jax

from .. import _shim
from .._device import device as _device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "set_device_index",
           "current_device_idx", "set_device_idx", "synchronize"]

_NONE = "Cannot access accelerator device when none is available."


@functools.lru_cache(maxsize=None)
def _accel() -> tuple[str, tuple]:
    """(torch device type, JAX devices) of the accelerator, or ('', ()) when JAX has only CPUs."""
    for platform, kind in (("gpu", "cuda"), ("tpu", "tpu")):
        try:
            devs = tuple(jax.local_devices(backend=platform))
        except RuntimeError:
            continue
        if devs:
            return kind, devs
    return "", ()


def _require() -> tuple[str, tuple]:
    kind, devs = _accel()
    if not devs:
        raise RuntimeError(_NONE)
    return kind, devs


def is_available() -> bool:
    return bool(_accel()[1])


def current_accelerator(check_available: bool = False) -> _device | None:
    kind, devs = _accel()
    return _device(kind) if devs else None


def device_count() -> int:
    return len(_accel()[1])


_current = 0


def current_device_index() -> int:
    kind, _ = _require()
    if kind == "cuda":
        from .. import cuda

        return cuda.current_device()
    return _current


def set_device_index(device) -> None:
    global _current
    kind, devs = _require()
    i = device if isinstance(device, int) else (_device(device).index or 0)
    if kind == "cuda":
        from .. import cuda

        cuda.set_device(i)
    elif not 0 <= i < len(devs):
        raise RuntimeError(f"Invalid device index {i}: {len(devs)} {kind} devices are available")
    _current = i


current_device_idx = current_device_index
set_device_idx = set_device_index


def synchronize(device=None) -> None:
    """Wait until the accelerator has finished the work queued so far."""
    kind, devs = _require()
    jax.effects_barrier()
    i = current_device_index() if device is None else (device if isinstance(device, int) else _device(device).index
                                                       or 0)
    jax.device_put(0, devs[i]).block_until_ready()


def get_device_capability(device=None, /) -> dict:
    """The capability of the device: the dtypes jaxtorch tensors can have on it (JAX supports them all on CPU, GPU
    and TPU; float64 and complex128 need jaxtorch's default 64-bit mode)."""
    from .. import _dtype
    from .memory import _device as _resolve

    _resolve(device)
    names = ("float16", "bfloat16", "float32", "float64", "complex64", "complex128", "uint8", "int8", "int16",
             "int32", "int64", "bool")
    return {"supported_dtypes": {getattr(_dtype, n) for n in names if hasattr(_dtype, n)}}


class device_index:
    """`with torch.accelerator.device_index(i):` makes i the current device index for the block (None: no change)."""

    def __init__(self, device, /) -> None:
        self.idx = device
        self.prev_idx = -1

    def __enter__(self) -> None:
        if self.idx is not None:
            self.prev_idx = current_device_index()
            set_device_index(self.idx)

    def __exit__(self, *exc) -> bool:
        if self.idx is not None:
            set_device_index(self.prev_idx)
        return False


def current_stream(device=None, /):
    """The current stream of the device (a torch.cuda.Stream on a GPU; TPUs have no user-visible streams)."""
    kind, _ = _require()
    if kind == "cuda":
        from .. import cuda

        return cuda.current_stream(device)
    from .. import _unsupported

    raise NotImplementedError(_unsupported.message("torch.accelerator.current_stream", f"{kind} has no streams in JAX"))


def set_stream(stream) -> None:
    """Make `stream` the current stream of its device."""
    kind, _ = _require()
    if kind == "cuda":
        from .. import cuda

        cuda.set_stream(stream)
        return
    from .. import _unsupported

    raise NotImplementedError(_unsupported.message("torch.accelerator.set_stream", f"{kind} has no streams in JAX"))


from . import graphs, memory  # noqa: E402,F401
from .graphs import Graph  # noqa: E402,F401
from .memory import (  # noqa: E402,F401
    empty_cache, empty_host_cache, get_memory_info, max_memory_allocated, max_memory_reserved, memory_allocated,
    memory_reserved, memory_stats, reset_accumulated_memory_stats, reset_peak_memory_stats)

__all__ += ["get_device_capability", "device_index", "current_stream", "set_stream", "Graph", *memory.__all__]

__getattr__ = _shim._make_getattr(__name__)
