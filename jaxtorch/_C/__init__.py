"""`torch._C`: the few hooks of torch's C++ core that Python libraries call (often at import).

jaxtorch has no C++ core. What is here answers the calls libraries make: TorchScript/fuser switches (jaxtorch has
no TorchScript; each setter returns the previous value and changes nothing), tracing-state and functorch queries
(nothing is ever being traced by TorchScript; JAX transforms are not functorch's), the accelerator query, and the
types `TensorBase`/`Generator` (jaxtorch's own classes, so isinstance checks agree). Anything else fails with
AttributeError naming the missing name.
"""

from __future__ import annotations

import contextlib
from typing import Any

from .. import _unsupported
from .._tensor import Tensor as TensorBase
from ..random import Generator  # noqa: F401

# TorchScript IR types: annotations in library code name them; nothing in jaxtorch creates them
_unsupported.names(globals(), "torch._C", "jaxtorch has no TorchScript IR",
                   classes=("Graph", "Value", "Node", "Block", "ScriptFunction", "ScriptModule", "ScriptObject",
                            "ScriptMethod", "FunctionSchema", "CompilationUnit"))

_TensorBase = TensorBase
_GLIBCXX_USE_CXX11_ABI = True
_jit_switches: dict = {}


def _jit_switch(name: str, default: bool):
    def switch(value: bool | None = None) -> bool:
        previous = _jit_switches.get(name, default)
        if value is not None:
            _jit_switches[name] = bool(value)
        return previous

    switch.__name__ = name
    switch.__doc__ = "A TorchScript/fuser switch: recorded (returns the previous value); jaxtorch has no TorchScript."
    return switch


_jit_set_profiling_executor = _jit_switch("_jit_set_profiling_executor", True)
_jit_set_profiling_mode = _jit_switch("_jit_set_profiling_mode", True)
_jit_set_texpr_fuser_enabled = _jit_switch("_jit_set_texpr_fuser_enabled", True)
_jit_set_nvfuser_enabled = _jit_switch("_jit_set_nvfuser_enabled", False)
_jit_set_nvfuser_guard_mode = _jit_switch("_jit_set_nvfuser_guard_mode", False)
_jit_override_can_fuse_on_cpu = _jit_switch("_jit_override_can_fuse_on_cpu", False)
_jit_override_can_fuse_on_gpu = _jit_switch("_jit_override_can_fuse_on_gpu", True)
_jit_set_llga_enabled = _jit_switch("_jit_set_llga_enabled", False)


def _jit_can_fuse_on_cpu() -> bool:
    return _jit_switches.get("_jit_override_can_fuse_on_cpu", False)


def _jit_can_fuse_on_gpu() -> bool:
    return _jit_switches.get("_jit_override_can_fuse_on_gpu", True)


def _jit_texpr_fuser_enabled() -> bool:
    return _jit_switches.get("_jit_set_texpr_fuser_enabled", True)


def _get_tracing_state() -> None:
    """No TorchScript trace is ever active in jaxtorch."""
    return None


def _is_tracing() -> bool:
    return False


def _log_api_usage_once(event: str) -> None:
    """torch logs API usage to its telemetry hook; jaxtorch has none."""


def _set_grad_enabled(enabled: bool) -> None:
    from ..autograd.grad_mode import state

    state.enabled = bool(enabled)


def is_grad_enabled() -> bool:
    from ..autograd.grad_mode import state

    return state.enabled


def _are_functorch_transforms_active() -> bool:
    return False


def _get_accelerator(check: bool = False):
    from .. import accelerator

    return accelerator.current_accelerator(check)


def _get_privateuse1_backend_name() -> str:
    return "privateuseone"


def _cuda_getDeviceCount() -> int:
    from .. import cuda

    return cuda.device_count()


def _cuda_isInBadFork() -> bool:
    return False


_cublas_allow_tf32 = [False]


def _get_cublas_allow_tf32() -> bool:
    from ..backends import cuda as backends_cuda

    return bool(backends_cuda.matmul.allow_tf32)


def _set_cublas_allow_tf32(value: bool) -> None:
    from ..backends import cuda as backends_cuda

    backends_cuda.matmul.allow_tf32 = bool(value)


def _disabled_torch_function_impl(func, types, args=(), kwargs=None):
    """The `__torch_function__` that turns the protocol off for a subclass (jaxtorch never dispatches it)."""
    return func(*args, **(kwargs or {}))


@contextlib.contextmanager
def DisableTorchFunctionSubclass() -> Any:  # noqa: N802 - torch's name
    yield


@contextlib.contextmanager
def DisableTorchFunction() -> Any:  # noqa: N802 - torch's name
    yield


def _get_cpp_backtrace(frames_to_skip: int = 0, maximum_number_of_frames: int = 64) -> str:
    return ""


def _set_print_stack_traces_on_fatal_signal(value: bool) -> None:
    """No C++ signal handlers in jaxtorch."""


def __getattr__(name: str):
    # names that live in modules importing this one: resolved lazily to avoid an import cycle
    if name == "Tag":
        from .._library.tags import Tag

        return Tag
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
