"""torch.autocast: run listed ops in a lower precision (bfloat16 / float16) or in float32.

The op lists and the thread-local state live in `jaxtorch/_autocast.py`; this is the user-facing
context manager / decorator. Under `torch.compile` the state is read while the function is traced:
autocast used inside a compiled function applies to the program, and a compiled function called inside
an autocast region is traced (and cached) for that autocast state.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

from .. import _autocast as _ac
from .. import _dtype as _dt
from .._device import _jax_devices, device as _device

__all__ = ["autocast", "custom_fwd", "custom_bwd", "is_autocast_available"]

_CPU_DTYPES = ("bfloat16", "float16")


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can be enabled for device_type on this machine."""
    if device_type == "cpu":
        return True
    if device_type == "cuda":
        return bool(_jax_devices("gpu"))
    if device_type in ("xla", "tpu"):
        return bool(_jax_devices("tpu")) or bool(_jax_devices("gpu"))
    return False


class autocast:
    """Context manager / decorator: ops on `device_type` tensors run per torch's autocast lists."""

    def __init__(self, device_type: str, dtype: _dt.dtype | None = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        _device(device_type)  # unknown device strings raise torch's RuntimeError
        self.device = device_type
        self.fast_dtype = _ac.get_dtype(device_type) if dtype is None else dtype
        # accepted for torch compatibility; casts are not cached (see jaxtorch/_autocast.py)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)
        enabled = bool(enabled)
        if enabled and device_type == "cpu" and str(self.fast_dtype).rpartition(".")[2] not in _CPU_DTYPES:
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                          "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.", stacklevel=2)
            enabled = False
        elif enabled and device_type == "cuda" and not is_autocast_available("cuda"):
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
            enabled = False
        elif enabled and device_type not in ("cpu", "cuda") and not is_autocast_available(device_type):
            warnings.warn(f"User specified an unsupported autocast device_type '{device_type}'", stacklevel=2)
            enabled = False
        self._enabled = enabled
        self._saved: list = []

    def __enter__(self) -> None:
        dev = self.device
        self._saved.append((_ac.is_enabled(dev), _ac.state.dtype.get(dev)))
        _ac.state.nesting += 1
        _ac.set_enabled(dev, self._enabled)
        _ac.set_dtype(dev, self.fast_dtype)

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        enabled, dtype = self._saved.pop()
        _ac.state.nesting -= 1
        _ac.set_enabled(self.device, enabled)
        _ac.state.dtype[self.device] = dtype
        return False

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return decorated


def _cast_inputs(value: Any, dtype: _dt.dtype) -> Any:
    from .._tensor import Tensor

    if isinstance(value, Tensor):
        d = value.dtype
        return value.to(dtype) if d.is_floating_point and d is not _dt.float64 else value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_inputs(v, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast_inputs(v, dtype) for k, v in value.items()}
    return value


def custom_fwd(fwd: Callable | None = None, *, device_type: str, cast_inputs: _dt.dtype | None = None) -> Callable:
    """Decorator for a custom autograd Function's forward (torch.amp.custom_fwd)."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorated(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = _ac.get_dtype(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = _ac.is_enabled(device_type)
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        if _ac.is_enabled(device_type):
            with autocast(device_type, enabled=False):
                return fwd(*_cast_inputs(args, cast_inputs), **_cast_inputs(kwargs, cast_inputs))
        return fwd(*args, **kwargs)

    return decorated


def custom_bwd(bwd: Callable | None = None, *, device_type: str) -> Callable:
    """Decorator for a custom Function's backward: runs it with the forward's autocast state."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorated(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(*args, **kwargs)

    return decorated


# torch.* level state functions
def is_autocast_enabled(device_type: str | None = None) -> bool:
    return _ac.is_enabled("cuda" if device_type is None else device_type)


def get_autocast_dtype(device_type: str) -> _dt.dtype:
    return _ac.get_dtype(device_type)


def set_autocast_enabled(device_type: Any, enabled: bool | None = None) -> None:
    if enabled is None:  # the old one-argument form is about CUDA
        device_type, enabled = "cuda", device_type
    _ac.set_enabled(device_type, enabled)


def set_autocast_dtype(device_type: str, dtype: _dt.dtype) -> None:
    _ac.set_dtype(device_type, dtype)


def is_autocast_cpu_enabled() -> bool:
    return _ac.is_enabled("cpu")


def get_autocast_cpu_dtype() -> _dt.dtype:
    return _ac.get_dtype("cpu")


def get_autocast_gpu_dtype() -> _dt.dtype:
    return _ac.get_dtype("cuda")


def is_autocast_cache_enabled() -> bool:
    return True


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Accepted: casts are not cached in jaxtorch."""


def clear_autocast_cache() -> None:
    """Nothing to clear: casts are not cached in jaxtorch."""
