"""torch.nn.quantized.modules.batchnorm: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .._standin import standin_class

BatchNorm2d = standin_class("torch.nn.quantized.modules.batchnorm.BatchNorm2d")
BatchNorm3d = standin_class("torch.nn.quantized.modules.batchnorm.BatchNorm3d")
