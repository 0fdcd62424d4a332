"""torch.backends.cpu: the SIMD level of this CPU, named as torch names it.

torch reports the instruction set its ATen kernels were dispatched to; XLA:CPU compiles for the host's own features,
so jaxtorch reports the widest level the host CPU supports (read from /proc/cpuinfo on Linux, the machine type
elsewhere): "AVX512" / "AVX2" / "NO AVX" on x86, "SVE256" / "DEFAULT" on ARM, "VSX" on POWER, "Z VECTOR" on s390x.
"""

from __future__ import annotations

import functools
import platform

from ... import _shim

__all__ = ["get_cpu_capability"]


def _cpu_flags() -> set:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):
                    return set(value.split())
    except OSError:
        pass
    return set()


@functools.lru_cache(maxsize=None)
def get_cpu_capability() -> str:
    """Return the CPU capability as torch names it: "DEFAULT", "VSX", "Z VECTOR", "NO AVX", "AVX2", "AVX512" or
    "SVE256"."""
    machine = platform.machine().lower()
    flags = _cpu_flags()
    if machine in ("x86_64", "amd64", "i386", "i686"):
        # torch's AVX512 level needs the F, BW, VL and DQ subsets; its AVX2 level needs AVX2 and FMA.
        if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
            return "AVX512"
        if {"avx2", "fma"} <= flags:
            return "AVX2"
        return "NO AVX" if flags else "DEFAULT"
    if machine.startswith("ppc64"):
        return "VSX"
    if machine == "s390x":
        return "Z VECTOR"
    if machine in ("aarch64", "arm64") and "sve" in flags:
        return "SVE256"
    return "DEFAULT"


__getattr__ = _shim._make_getattr(__name__)
