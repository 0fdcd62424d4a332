"""torch.nn.intrinsic.quantized.dynamic.modules.linear_relu: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .....quantized._standin import standin_class

__all__ = ["LinearReLU"]

LinearReLU = standin_class("torch.nn.intrinsic.quantized.dynamic.modules.linear_relu.LinearReLU")
