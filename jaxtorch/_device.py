"""torch.device on JAX devices: 'cpu', 'cuda[:n]' (JAX GPU), 'tpu'/'xla' (JAX TPU or default)."""

from __future__ import annotations

import functools
import threading

import jax

_TYPES = ("cpu", "cuda", "tpu", "xla", "meta", "mps")


class device:
    __slots__ = ("type", "index")

    def __init__(self, type_or_str, index: int | None = None):
        if isinstance(type_or_str, device):
            self.type, self.index = type_or_str.type, type_or_str.index
            return
        if isinstance(type_or_str, int):
            # torch.device(0) means the first accelerator.
            self.type, self.index = ("cuda" if _jax_devices("gpu") else "cpu"), type_or_str
            return
        s = str(type_or_str)
        if ":" in s:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {s}")
            t, _, i = s.partition(":")
            if not i.isdigit():
                raise RuntimeError(f"Invalid device string: '{s}'")
            index = int(i)
            s = t
        if not s:
            raise RuntimeError("Device string must not be empty")
        if s not in _TYPES:
            # torch's list of device types, so the message matches torch's
            raise RuntimeError("Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, "
                               "maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of "
                               "device string: " + s)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = s, index

    def __repr__(self) -> str:
        return f"device(type='{self.type}'" + (f", index={self.index})" if self.index is not None else ")")

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        # torch.device("cpu") == "cpu" is False in torch: only devices compare equal to devices
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))

    def __enter__(self):
        # `with torch.device(d):` makes d the device of factory functions called without one (thread-local, nested)
        stack = getattr(_context, "stack", None)
        if stack is None:
            stack = _context.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc):
        _context.stack.pop()
        return False


_context = threading.local()
_global_default: list = [None]  # set_default_device's device (None: JAX's default placement)


def current_default() -> device | None:
    """The device factory functions use when none is given, if one was chosen: the innermost
    `with torch.device(...)` block, else `torch.set_default_device`'s. None: JAX's default placement."""
    stack = getattr(_context, "stack", None)
    if stack:
        return stack[-1]
    return _global_default[0]


def set_default_device(d) -> None:
    """torch.set_default_device: the device factory functions use from now on (None: back to the default)."""
    _global_default[0] = None if d is None else to_device(d)


def get_default_device() -> device:
    return current_default() or default_device()


def is_meta(d) -> bool:
    return d is not None and to_device(d).type == "meta"


@functools.lru_cache(maxsize=None)
def _jax_devices(platform: str) -> tuple:
    try:
        return tuple(jax.local_devices(backend=platform))  # local: other processes' devices are not ours
    except RuntimeError:
        return ()


def to_device(d) -> device:
    if d is None:
        return device("cpu")
    return d if isinstance(d, device) else device(d)


def jax_device(d) -> jax.Device:
    """The JAX device a torch device names; raises like torch when it does not exist."""
    d = to_device(d)
    if d.type == "cpu":
        return _jax_devices("cpu")[0]
    if d.type == "cuda":
        devs = _jax_devices("gpu")
        if not devs:
            raise RuntimeError("Found no NVIDIA driver on your system (jaxtorch: JAX sees no GPU; install jax "
                               "with CUDA support to use 'cuda' devices)")
    elif d.type in ("tpu", "xla"):
        devs = _jax_devices("tpu") or (jax.local_devices() if d.type == "xla" else ())
        if not devs:
            raise RuntimeError(f"jaxtorch: JAX sees no TPU device for '{d}'")
    else:
        raise RuntimeError(f"jaxtorch does not support the '{d.type}' device")
    i = d.index or 0
    if i >= len(devs):
        raise RuntimeError(f"CUDA error: invalid device ordinal (device {i} requested, {len(devs)} available)")
    return devs[i]


def from_jax_device(jd) -> device:
    p = jd.platform
    if p == "cpu":
        return device("cpu")
    if p in ("gpu", "cuda", "rocm"):
        return device("cuda", _jax_devices("gpu").index(jd))
    return device("xla" if p != "tpu" else "tpu", jd.id)


@functools.lru_cache(maxsize=None)
def default_device() -> device:
    return from_jax_device(jax.local_devices()[0]) if jax.default_backend() != "cpu" else device("cpu")
