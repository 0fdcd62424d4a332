"""torch.nn.intrinsic.quantized.modules: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .bn_relu import BNReLU2d, BNReLU3d
from .conv_relu import ConvReLU1d, ConvReLU2d, ConvReLU3d
from .linear_relu import LinearReLU
from . import bn_relu
from . import conv_relu
from . import linear_relu

__all__ = ["LinearReLU", "ConvReLU1d", "ConvReLU2d", "ConvReLU3d", "BNReLU2d", "BNReLU3d"]
