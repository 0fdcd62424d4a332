"""torch.nn.intrinsic.quantized.dynamic: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .modules.linear_relu import LinearReLU
from . import modules
