"""torch.accelerator: the accelerator JAX has here (a GPU as 'cuda', a TPU as 'tpu'), or none.

With no accelerator the answers are those of CPU-only torch: is_available() False, current_accelerator() None,
device_count() 0, and calls that need a device raise RuntimeError("Cannot access accelerator device when none is
available.").
"""

from __future__ import annotations

import functools

import jax

from . import _shim
from ._device import device as _device

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
        from . import cuda

        return cuda.current_device()
    return _current


def set_device_index(device) -> None:
    global _current
    kind, devs = _require()
    i = device if isinstance(device, int) else (_device(device).index or 0)
    if kind == "cuda":
        from . import cuda

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


__getattr__ = _shim._make_getattr(__name__)
