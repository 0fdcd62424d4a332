"""torch.cpu: the CPU counterpart of torch.cuda's device API, for device-agnostic code.

There is one CPU device; streams and events are placeholders that complete immediately, as in torch (JAX orders
CPU work itself). `synchronize()` does wait: it blocks until the work JAX has queued on the CPU has finished.
"""

from __future__ import annotations

import functools
import os
import platform
from collections.abc import Mapping
from contextlib import AbstractContextManager
from types import MappingProxyType
from typing import Any

from . import amp  # noqa: F401

__all__ = [
    "is_available",
    "is_initialized",
    "synchronize",
    "current_device",
    "current_stream",
    "stream",
    "set_device",
    "device_count",
    "Stream",
    "StreamContext",
    "Event",
    "get_capabilities",
]

# torch's capability names for x86 and the Linux /proc/cpuinfo flag that reports each
_X86_FLAGS = {
    "sse": "sse",
    "sse2": "sse2",
    "sse3": "pni",
    "ssse3": "ssse3",
    "sse4_1": "sse4_1",
    "sse4_2": "sse4_2",
    "sse4a": "sse4a",
    "avx": "avx",
    "avx2": "avx2",
    "avx_vnni": "avx_vnni",
    "avx512_f": "avx512f",
    "avx512_cd": "avx512cd",
    "avx512_dq": "avx512dq",
    "avx512_bw": "avx512bw",
    "avx512_vl": "avx512vl",
    "avx512_ifma": "avx512ifma",
    "avx512_vbmi": "avx512vbmi",
    "avx512_vbmi2": "avx512_vbmi2",
    "avx512_bitalg": "avx512_bitalg",
    "avx512_vpopcntdq": "avx512_vpopcntdq",
    "avx512_vnni": "avx512_vnni",
    "avx512_bf16": "avx512_bf16",
    "avx512_fp16": "avx512_fp16",
    "avx512_vp2intersect": "avx512_vp2intersect",
    "avx512_4vnniw": "avx512_4vnniw",
    "avx512_4fmaps": "avx512_4fmaps",
    "avx_vnni_int8": "avx_vnni_int8",
    "avx_vnni_int16": "avx_vnni_int16",
    "avx_ne_convert": "avx_ne_convert",
    "amx_bf16": "amx_bf16",
    "amx_tile": "amx_tile",
    "amx_int8": "amx_int8",
    "amx_fp16": "amx_fp16",
    "fma3": "fma",
    "fma4": "fma4",
    "f16c": "f16c",
    "bmi": "bmi1",
    "bmi2": "bmi2",
    "popcnt": "popcnt",
    "lzcnt": "abm",
    "aes": "aes",
    "sha": "sha_ni",
    "clflush": "clflush",
    "clflushopt": "clflushopt",
    "clwb": "clwb",
}


@functools.lru_cache(maxsize=None)
def get_capabilities() -> Mapping[str, Any]:
    """Read-only mapping of the CPU's instruction-set features (torch's names, e.g. 'avx2': True) and
    'architecture' and 'num_logical_cores'.

    jaxtorch reads Linux's /proc/cpuinfo on x86-64; the cache sizes, socket/physical core counts and CPU name that
    torch's cpuinfo library adds are not reported. Other platforms raise NotImplementedError.
    """
    arch = platform.machine().lower()
    flags = None
    if arch in ("x86_64", "amd64") and os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.partition(":")[2].split())
                    break
    if flags is None:
        from .._unsupported import message

        raise NotImplementedError(
            message(
                "torch.cpu.get_capabilities()",
                f"jaxtorch reads CPU features from Linux's /proc/cpuinfo on x86-64 only "
                f"(this machine: {platform.system()} {platform.machine()})",
            )
        )
    caps: dict[str, Any] = {name: flag in flags for name, flag in _X86_FLAGS.items()}
    caps["architecture"] = "x86_64"
    caps["num_logical_cores"] = os.cpu_count()
    return MappingProxyType(caps)


def is_available() -> bool:
    """Always True."""
    return True


def is_initialized() -> bool:
    """Always True."""
    return True


def synchronize(device=None) -> None:
    """Wait until the work queued on the CPU devices has finished. `device` is ignored (there is one CPU)."""
    import jax

    jax.effects_barrier()
    for d in jax.local_devices(backend="cpu"):
        # each CPU device runs its programs in order: a finished probe means earlier work has finished
        _probe(jax.device_put(0, d)).block_until_ready()


@functools.lru_cache(maxsize=None)
def _jitted_probe():
    import jax

    return jax.jit(lambda x: x + 1)


def _probe(x):
    return _jitted_probe()(x)


class Stream:
    """Placeholder CPU stream (device-agnostic code creates and selects streams)."""

    def __init__(self, priority: int = -1) -> None:
        pass

    def wait_stream(self, stream) -> None:
        pass

    def record_event(self) -> None:
        pass

    def wait_event(self, event) -> None:
        pass


class Event:
    """Placeholder CPU event: always complete."""

    def query(self) -> bool:
        return True

    def record(self, stream=None) -> None:
        pass

    def synchronize(self) -> None:
        pass

    def wait(self, stream=None) -> None:
        pass


_default_stream = Stream()
_current_stream = _default_stream


def current_stream(device=None) -> Stream:
    """The selected placeholder stream. `device` is ignored."""
    return _current_stream


class StreamContext(AbstractContextManager):
    """Select `stream` as the current stream inside the block (None: leave it as it is)."""

    def __init__(self, stream: Stream | None) -> None:
        self.stream = stream
        self.prev_stream = _default_stream

    def __enter__(self):
        global _current_stream
        if self.stream is not None:
            self.prev_stream, _current_stream = _current_stream, self.stream

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        global _current_stream
        if self.stream is not None:
            _current_stream = self.prev_stream


def stream(stream: Stream | None) -> AbstractContextManager:
    """A StreamContext selecting `stream`."""
    return StreamContext(stream)


def device_count() -> int:
    """Number of CPU devices (not cores): always 1."""
    return 1


def set_device(device) -> None:
    """Nothing to do: there is one CPU device."""


def current_device() -> str:
    """Always 'cpu'."""
    return "cpu"
