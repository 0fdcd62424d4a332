"""torch.nn.intrinsic.qat.modules.linear_fused: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ....quantized._standin import standin_class
from ....modules import Linear

__all__ = ["LinearBn1d"]

LinearBn1d = standin_class("torch.nn.intrinsic.qat.modules.linear_fused.LinearBn1d", Linear)
