"""torch.nn.intrinsic.quantized: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .modules.bn_relu import BNReLU2d, BNReLU3d
from .modules.conv_relu import ConvReLU1d, ConvReLU2d, ConvReLU3d
from .modules.linear_relu import LinearReLU
from . import dynamic
from . import modules

__all__ = ["BNReLU2d", "BNReLU3d", "ConvReLU1d", "ConvReLU2d", "ConvReLU3d", "LinearReLU"]
