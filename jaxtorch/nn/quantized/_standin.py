"""What the torch.nn.{quantized, qat, intrinsic, quantizable} stand-ins share.

torch's versions of these are aliases of torch.ao.nn.*: modules that hold quantized tensors (int8 weights with
scales and zero points), fake-quantize during training, or fuse conv/bn/relu for quantized kernels. jaxtorch has
no quantized tensors or kernels, so each is a class that imports, subclasses the float module torch's subclasses
(isinstance/issubclass checks agree with torch), and raises NotImplementedError when constructed; the functions
raise when called.
"""

from __future__ import annotations

from typing import Any, Callable

from ... import _unsupported
from ..modules.module import Module

WHY = (
    "jaxtorch has no quantized tensors or quantized kernels, so quantized, quantization-aware-training and "
    "fused-for-quantization modules cannot run; float models run unchanged"
)


def standin_class(feature: str, float_base: type | None = None) -> type:
    return _unsupported.cls(feature, WHY, bases=(float_base or Module,))


def standin_function(feature: str) -> Callable[..., Any]:
    return _unsupported.function(feature, WHY)
