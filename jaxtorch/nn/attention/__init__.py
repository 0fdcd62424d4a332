"""torch.nn.attention: choosing the kernels behind `F.scaled_dot_product_attention`.

`sdpa_kernel` drives the switches of `torch.backends.cuda` (`enable_flash_sdp`, `enable_mem_efficient_sdp`,
`enable_math_sdp`, `enable_cudnn_sdp`) plus the "overrideable" switch and the backend priority order, which
jaxtorch keeps here (torch keeps them in its C++ context), and puts every one of them back on exit as torch
does. What the switches select in jaxtorch (see jaxtorch/backends/cuda.py and
jaxtorch/nn/_functional/attention.py):

- on CPU, torch's own rule: the math kernel when it is enabled, else the "flash" CPU kernel when it is
  enabled and takes the call (its refusals, warnings and the "No available kernel" error are torch's), else
  torch's "No viable backend" error. XLA's lowering computes both.
- on an accelerator, cuDNN's fused attention when `enable_cudnn_sdp(True)` and cuDNN takes the call, else
  XLA's lowering, which stands in for the math, flash and memory-efficient kernels; with all three of those
  disabled, the call fails as in torch.

The priority order (`set_priority=True`) is recorded and restored exactly as torch does; torch's CPU kernels
ignore it, and so does jaxtorch, whose only choice on an accelerator (cuDNN or XLA) follows
`enable_cudnn_sdp`.

The flash-attention implementation registry (`register_flash_attention_impl` & co.) works as torch's; the
built-in "FA3" / "FA4" entries are CUDA kernel packages and fail to activate with ModuleNotFoundError, as
they do in a torch without those packages.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import warnings
from collections.abc import Callable, Iterable

from ...backends import cuda as _cuda

__all__ = [
    "SDPBackend",
    "sdpa_kernel",
    "WARN_FOR_UNFUSED_KERNELS",
    "register_flash_attention_impl",
    "activate_flash_attention_impl",
    "list_flash_attention_impls",
    "current_flash_attention_impl",
    "restore_flash_attention_impl",
]

# When True, attention through a bias subclass (torch.nn.attention.bias.CausalBias) that cannot use a fused
# kernel warns saying so, as in torch.
WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.Enum):
    """The kernels behind scaled_dot_product_attention, with torch's names and values. Like torch's (a
    pybind11 enum) a member is not an int: `int(b)` gives its value, `b == 0` is False."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value


# switch name (torch's `_set_sdp_use_<name>`) -> backend; the order is torch's
_BACKEND_NAMES = {
    "cudnn": SDPBackend.CUDNN_ATTENTION,
    "flash": SDPBackend.FLASH_ATTENTION,
    "mem_efficient": SDPBackend.EFFICIENT_ATTENTION,
    "math": SDPBackend.MATH,
    "overrideable": SDPBackend.OVERRIDEABLE,
}
_DEFAULT_PRIORITY = [1, 2, 0, 3, 4]  # torch 2.13's default: flash, efficient, math, cudnn, overrideable
_state = {"overrideable": True, "priority": list(_DEFAULT_PRIORITY)}


def _get_sdp_enabled(name: str) -> bool:
    if name == "overrideable":
        return _state["overrideable"]
    return getattr(_cuda, f"{name}_sdp_enabled")()


def _set_sdp_use(name: str, enabled: bool) -> None:
    if name == "overrideable":
        _state["overrideable"] = bool(enabled)
    else:
        getattr(_cuda, f"enable_{name}_sdp")(enabled)


def _get_sdp_priority_order() -> list[int]:
    """The backend priority order as torch's `torch._C._get_sdp_priority_order()` reports it."""
    return list(_state["priority"])


def _set_sdp_priority_order(order: list[int]) -> None:
    _state["priority"] = [int(b) for b in order]


def _cur_sdpa_kernel_backends(with_priority: bool = False) -> list[SDPBackend]:
    backends = [b for name, b in _BACKEND_NAMES.items() if _get_sdp_enabled(name)]
    if with_priority:
        order = _state["priority"]
        backends.sort(key=lambda b: order.index(int(b)))
    return backends


def _sdpa_kernel(backends: Iterable[SDPBackend], set_priority: bool = False) -> None:
    backends = list(backends)
    for name, b in _BACKEND_NAMES.items():
        _set_sdp_use(name, b in backends)
    if set_priority:
        order = [int(b) for b in backends]
        order += [b for b in _state["priority"] if b not in order]
        _state["priority"] = order


@contextlib.contextmanager
def sdpa_kernel(backends: list[SDPBackend] | SDPBackend, set_priority: bool = False):
    """Enable exactly `backends` for scaled_dot_product_attention inside the block (also usable as a
    decorator); with `set_priority`, their order becomes the priority order. Every switch is restored on exit."""
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError(
            "Backend must be an instance of SDPBackend or a list of SDPBackend instances, got "
            f"{type(backends).__name__}"
        )
    if isinstance(backends, SDPBackend):
        backends = [backends]
    backends = list(dict.fromkeys(backends))  # drop repeats, keep the order
    previous = _cur_sdpa_kernel_backends(with_priority=set_priority)
    try:
        _sdpa_kernel(backends, set_priority)
        yield {}
    finally:
        _sdpa_kernel(previous, set_priority)


@contextlib.contextmanager
def _sdpa_kernel_variadic(*backends: SDPBackend):
    with sdpa_kernel(list(backends)):
        yield


def _get_flash_version() -> str:
    return "2.5.7"  # the flash-attention release torch 2.13 reports


def _raise_kernel_warnings(params=None) -> None:
    """With WARN_FOR_UNFUSED_KERNELS set, say that the fused kernels were not used (torch then lists its CUDA
    kernels' reasons, which have no counterpart here)."""
    if WARN_FOR_UNFUSED_KERNELS:
        warnings.warn("Efficient attention can't be used because:", stacklevel=2)
        warnings.warn("Flash attention can't be used because:", stacklevel=2)


# ---------------------------------------------------------------------------------------------
# flash-attention implementation registry

_registry_log = logging.getLogger(__name__ + "._registry")
_RegisterFn = Callable[..., object]
_flash_impls: dict[str, _RegisterFn] = {}
_flash_active: list = []  # [(name, handle)] while an implementation with a handle is active


def register_flash_attention_impl(impl: str, *, register_fn: _RegisterFn) -> None:
    """Record the function that activates flash-attention implementation `impl`."""
    _flash_impls[impl] = register_fn


def activate_flash_attention_impl(impl: str) -> None:
    """Activate a registered implementation (after restoring the default one)."""
    restore_flash_attention_impl(_raise_warn=False)
    fn = _flash_impls.get(impl)
    if fn is None:
        raise ValueError(
            f"Unknown flash attention impl '{impl}'. Available implementations: {list_flash_attention_impls()}"
        )
    handle = fn()
    if handle is not None:
        _flash_active.append((impl, handle))


def list_flash_attention_impls() -> list[str]:
    """Names of the registered implementations, sorted."""
    return sorted(_flash_impls)


def current_flash_attention_impl() -> str | None:
    """The active implementation's name; None for the default."""
    return _flash_active[-1][0] if _flash_active else None


def restore_flash_attention_impl(_raise_warn: bool = True) -> None:
    """Go back to the default implementation (removing the active one's handle)."""
    if _flash_active:
        _flash_active.pop()[1].remove()
    elif _raise_warn:
        _registry_log.warning("Trying to restore default FA2 impl when no custom impl was activated")
    _flash_active.clear()


def _cuda_only_impl(impl: str, package: str) -> _RegisterFn:
    def register() -> None:
        # An ImportError, as torch raises when the package is missing, so `except ImportError` fallbacks work.
        raise ModuleNotFoundError(
            f"flash attention impl '{impl}' needs the CUDA package '{package}', which is not supported in jaxtorch",
            name=package,
        )

    return register


register_flash_attention_impl("FA3", register_fn=_cuda_only_impl("FA3", "flash_attn_interface"))
register_flash_attention_impl("FA4", register_fn=_cuda_only_impl("FA4", "flash_attn"))
