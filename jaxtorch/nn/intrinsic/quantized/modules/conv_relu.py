"""torch.nn.intrinsic.quantized.modules.conv_relu: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ....quantized._standin import standin_class

__all__ = ["ConvReLU1d", "ConvReLU2d", "ConvReLU3d"]

ConvReLU1d = standin_class("torch.nn.intrinsic.quantized.modules.conv_relu.ConvReLU1d")
ConvReLU2d = standin_class("torch.nn.intrinsic.quantized.modules.conv_relu.ConvReLU2d")
ConvReLU3d = standin_class("torch.nn.intrinsic.quantized.modules.conv_relu.ConvReLU3d")
