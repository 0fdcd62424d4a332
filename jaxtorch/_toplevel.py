"""Small top-level torch names: constants, symbolic-shape helpers on concrete values, device-module lookup, the
generic Stream/Event, exceptions, global switches (deterministic mode, warn-always, denormals, anomaly mode), and
the removed functions that still exist in torch only to raise a message saying what replaced them."""

from __future__ import annotations

import builtins
import math
import operator
from typing import Any

from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled

__all__ = ["inf", "nan", "pi", "e", "newaxis", "TYPE_CHECKING", "USE_GLOBAL_DEPS", "USE_RTLD_GLOBAL_WITH_LIBTORCH",
           "has_lapack", "has_mkl", "has_openmp", "has_spectral", "SymInt", "SymFloat", "SymBool", "sym_int",
           "sym_float", "sym_max", "sym_min", "sym_not", "sym_ite", "sym_sqrt", "sym_sum", "sym_fresh_size",
           "sym_constrain_range", "sym_constrain_range_for_size", "get_device_module", "get_device", "Stream", "Event",
           "OutOfMemoryError", "AcceleratorError", "is_vulkan_available", "get_deterministic_debug_mode",
           "set_deterministic_debug_mode", "is_deterministic_algorithms_warn_only_enabled", "set_default_tensor_type",
           "is_distributed", "use_deterministic_algorithms", "are_deterministic_algorithms_enabled", "solve",
           "lstsq", "eig", "symeig", "init_num_threads", "classproperty", "prepare_multiprocessing_environment",
           "set_warn_always", "is_warn_always_enabled", "set_flush_denormal", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "set_anomaly_enabled"]
# also here, resolved on first use (their modules import jaxtorch): legacy_contiguous_format, fork, wait, Future

inf = math.inf
nan = math.nan
pi = math.pi
e = math.e
newaxis = None
TYPE_CHECKING = False
USE_GLOBAL_DEPS = True
USE_RTLD_GLOBAL_WITH_LIBTORCH = False
# what torch's build flags report; jaxtorch's linear algebra and FFTs come from XLA (LAPACK-backed on CPU)
has_lapack = True
has_spectral = True
has_mkl = False
has_openmp = False


class SymInt:
    """A symbolic integer of torch's tracer. jaxtorch shapes are always concrete ints, so none is ever created."""

    def __init__(self, *args: Any) -> None:
        raise NotImplementedError("torch.SymInt is not used by jaxtorch: shapes are concrete ints")


class SymFloat:
    def __init__(self, *args: Any) -> None:
        raise NotImplementedError("torch.SymFloat is not used by jaxtorch: values are concrete floats")


class SymBool:
    def __init__(self, *args: Any) -> None:
        raise NotImplementedError("torch.SymBool is not used by jaxtorch: conditions are concrete bools")


def sym_int(a):
    """int(a), truncating toward zero like torch's (for concrete values)."""
    if isinstance(a, builtins.float):
        return math.trunc(a)
    return builtins.int(a)


def sym_float(a):
    return builtins.float(a)


def sym_max(a, b):
    return builtins.max(a, b)


def sym_min(a, b):
    return builtins.min(a, b)


def sym_not(a):
    return not a


def sym_ite(b, t, f):
    return t if b else f


def sym_sqrt(a):
    return math.sqrt(a)


def sym_sum(args):
    total = 0
    for a in args:
        total = operator.add(total, a)
    return total


def sym_fresh_size(expr):
    return expr


def sym_constrain_range(size, *, min: int | None = None, max: int | None = None) -> None:
    """Checks the range of a concrete size (torch records it for its tracer)."""
    if min is not None and size < min or max is not None and size > max:
        raise ValueError(f"Invalid value {size} for range [{min}:{max}]")


def sym_constrain_range_for_size(size, *, min: int | None = None, max: int | None = None) -> None:
    sym_constrain_range(size, min=min, max=max)


def get_device_module(device=None):
    """The torch.<device type> module (torch.cuda, torch.cpu, ...) for a device, default the current accelerator."""
    import importlib

    from ._device import device as _device

    if device is None:
        from . import accelerator

        acc = accelerator.current_accelerator()
        kind = acc.type if acc is not None else "cpu"
    elif isinstance(device, str) and ":" not in device and device.isidentifier():
        kind = device
    else:
        kind = _device(device).type
    try:
        return importlib.import_module(f"jaxtorch.{kind}")
    except ModuleNotFoundError:
        raise RuntimeError(f"Device '{kind}' does not have a corresponding module registered as 'torch.{kind}'.") \
            from None


def get_device(tensor) -> int:
    return tensor.get_device()


_DEVICE_TYPE_IDS = {"cpu": 0, "cuda": 1, "xla": 9, "xpu": 12, "mps": 13, "meta": 14}


class Stream:
    """torch.Stream (device-generic). On CPU, work runs in order as issued, as torch's CPU stream; on a GPU this is
    torch.cuda.Stream's behaviour (see jaxtorch/cuda/streams.py)."""

    def __init__(self, device=None, *, priority: int = 0, **kwargs: Any) -> None:
        from ._device import device as _device

        self.device = _device(device) if device is not None else _device("cpu")
        self.priority = priority
        self.device_type = _DEVICE_TYPE_IDS.get(self.device.type, -1)  # c10's DeviceType number, as torch reports
        self.device_index = self.device.index if self.device.index is not None else -1
        self.stream_id = 0

    def query(self) -> bool:
        self.synchronize()
        return True

    def synchronize(self) -> None:
        import jax

        jax.effects_barrier()

    def wait_event(self, event) -> None:
        """Already satisfied: work is ordered."""

    def wait_stream(self, stream) -> None:
        """Already satisfied: work is ordered."""

    def record_event(self, event=None):
        event = Event(self.device) if event is None else event
        event.record(self)
        return event

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def __repr__(self) -> str:
        return f"torch.Stream device_type={self.device.type}, device_index={self.device_index}, stream_id=0"


class Event:
    """torch.Event (device-generic): `record()` waits for the work queued so far and notes the time."""

    def __init__(self, device=None, *, enable_timing: bool = False, blocking: bool = False,
                 interprocess: bool = False) -> None:
        from ._device import device as _device

        if interprocess:
            raise NotImplementedError("torch.Event(interprocess=True) is not supported by jaxtorch")
        self.device = _device(device) if device is not None else _device("cpu")
        self.enable_timing = enable_timing
        self._time: builtins.float | None = None

    def record(self, stream=None) -> None:
        import time

        import jax

        jax.effects_barrier()
        self._time = time.perf_counter()

    def query(self) -> bool:
        return True

    def synchronize(self) -> None:
        """Nothing to wait for: `record` waited."""

    def wait(self, stream=None) -> None:
        """Already satisfied."""

    def elapsed_time(self, end_event) -> builtins.float:
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if self._time is None or end_event._time is None:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return (end_event._time - self._time) * 1000.0


class OutOfMemoryError(RuntimeError):
    """Raised when a device runs out of memory (torch.cuda.OutOfMemoryError is this class)."""


class AcceleratorError(RuntimeError):
    """An error reported by an accelerator runtime."""


def is_vulkan_available() -> bool:
    return False


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode: str | builtins.int) -> None:
    """Recorded, and reported by get_deterministic_debug_mode: XLA programs on CPU are deterministic already, so
    there is nothing nondeterministic to warn or error about there."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> builtins.int:
    if not _deterministic["enabled"]:
        return 0
    return 1 if _deterministic["warn_only"] else 2


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _deterministic["warn_only"]


_deterministic = {"enabled": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Recorded (and reported by are_deterministic_algorithms_enabled). XLA's CPU programs are deterministic
    already; on GPUs XLA picks deterministic reductions when `--xla_gpu_deterministic_ops=true` is in XLA_FLAGS
    before JAX starts, which this switch cannot do after the fact."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' must be bool, not {type(mode).__name__}")
    _deterministic["enabled"] = mode
    _deterministic["warn_only"] = bool(warn_only) and mode


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic["enabled"]


_warn_always = [False]


def set_warn_always(b: bool) -> None:
    _warn_always[0] = bool(b)


def is_warn_always_enabled() -> bool:
    return _warn_always[0]


def set_flush_denormal(mode: bool) -> bool:
    """Returns False: XLA owns the floating-point mode of its kernels, so jaxtorch cannot switch it."""
    return False


def set_default_tensor_type(t) -> None:
    """Deprecated in torch: sets the default floating dtype from a typed-tensor name or class (CPU types only)."""
    import warnings

    from . import _dtype
    from ._tensortype import tensortype, type_by_name

    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    cls = type_by_name(t) if isinstance(t, str) else t if isinstance(t, tensortype) else None
    if cls is None:
        raise TypeError(f"invalid type: {t!r}")
    if cls.is_cuda:
        raise NotImplementedError("set_default_tensor_type to a CUDA type is not supported by jaxtorch (tensors are "
                                  "placed on JAX's default device)")
    if not cls.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(cls.dtype)


def is_distributed(tensor) -> bool:
    return False


def _removed(name: str, message: str):
    def fn(*args: Any, **kwargs: Any):
        raise RuntimeError(f"This function was deprecated since version 1.9 and is now removed. {message}")

    fn.__name__ = fn.__qualname__ = name
    return fn


solve = _removed("solve", "`torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` has "
                          "its arguments reversed and does not return the LU factorization.")
lstsq = _removed("lstsq", "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.")
eig = _removed("eig", "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than real "
                      "tensors mimicking complex tensors.")
symeig = _removed("symeig", "The default behavior has changed from using the upper triangular portion of the matrix "
                            "by default to using the lower triangular portion. Use torch.linalg.eigh.")


def init_num_threads() -> None:
    """Nothing to initialise: XLA manages its thread pools."""


def prepare_multiprocessing_environment(path: str) -> None:
    """torch sets up its shared-memory manager here; jaxtorch tensors are pickled by value, so nothing is needed."""


class classproperty:
    """A read-only property on the class (torch's small helper)."""

    def __init__(self, fget) -> None:
        self.fget = fget

    def __get__(self, instance, owner):
        return self.fget(owner)


def __getattr__(name: str):
    if name == "legacy_contiguous_format":
        from ._memory_format import contiguous_format

        return contiguous_format
    if name in ("fork", "wait"):
        from . import jit

        return getattr(jit, name)
    if name == "Future":
        from .futures import Future

        return Future
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
