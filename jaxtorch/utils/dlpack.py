"""torch.utils.dlpack: DLPack exchange (jaxtorch's `torch.from_dlpack` / `to_dlpack`, which go through JAX's
DLPack support), and the DLPack device type codes."""

from __future__ import annotations

import enum

from .._ops.creation import from_dlpack, to_dlpack

__all__ = ["DLDeviceType", "from_dlpack"]

to_dlpack = to_dlpack


class DLDeviceType(enum.IntEnum):
    """DLPack's device type codes (DLDeviceType in dlpack.h)."""

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17
