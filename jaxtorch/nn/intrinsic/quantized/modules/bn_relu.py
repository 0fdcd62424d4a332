"""torch.nn.intrinsic.quantized.modules.bn_relu: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ....quantized._standin import standin_class

__all__ = ["BNReLU2d", "BNReLU3d"]

BNReLU2d = standin_class("torch.nn.intrinsic.quantized.modules.bn_relu.BNReLU2d")
BNReLU3d = standin_class("torch.nn.intrinsic.quantized.modules.bn_relu.BNReLU3d")
