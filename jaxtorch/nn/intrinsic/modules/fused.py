"""torch.nn.intrinsic.modules.fused: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ...quantized._standin import standin_class
from ...modules import Sequential

__all__ = [
    "BNReLU2d",
    "BNReLU3d",
    "ConvBn1d",
    "ConvBn2d",
    "ConvBn3d",
    "ConvBnReLU1d",
    "ConvBnReLU2d",
    "ConvBnReLU3d",
    "ConvReLU1d",
    "ConvReLU2d",
    "ConvReLU3d",
    "LinearBn1d",
    "LinearReLU",
]

BNReLU2d = standin_class("torch.nn.intrinsic.modules.fused.BNReLU2d", Sequential)
BNReLU3d = standin_class("torch.nn.intrinsic.modules.fused.BNReLU3d", Sequential)
ConvBn1d = standin_class("torch.nn.intrinsic.modules.fused.ConvBn1d", Sequential)
ConvBn2d = standin_class("torch.nn.intrinsic.modules.fused.ConvBn2d", Sequential)
ConvBn3d = standin_class("torch.nn.intrinsic.modules.fused.ConvBn3d", Sequential)
ConvBnReLU1d = standin_class("torch.nn.intrinsic.modules.fused.ConvBnReLU1d", Sequential)
ConvBnReLU2d = standin_class("torch.nn.intrinsic.modules.fused.ConvBnReLU2d", Sequential)
ConvBnReLU3d = standin_class("torch.nn.intrinsic.modules.fused.ConvBnReLU3d", Sequential)
ConvReLU1d = standin_class("torch.nn.intrinsic.modules.fused.ConvReLU1d", Sequential)
ConvReLU2d = standin_class("torch.nn.intrinsic.modules.fused.ConvReLU2d", Sequential)
ConvReLU3d = standin_class("torch.nn.intrinsic.modules.fused.ConvReLU3d", Sequential)
LinearBn1d = standin_class("torch.nn.intrinsic.modules.fused.LinearBn1d", Sequential)
LinearReLU = standin_class("torch.nn.intrinsic.modules.fused.LinearReLU", Sequential)
