"""torch.nn.quantized.modules.normalization: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .._standin import standin_class
from ...modules import GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LayerNorm

__all__ = ["LayerNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]

LayerNorm = standin_class("torch.nn.quantized.modules.normalization.LayerNorm", LayerNorm)
GroupNorm = standin_class("torch.nn.quantized.modules.normalization.GroupNorm", GroupNorm)
InstanceNorm1d = standin_class("torch.nn.quantized.modules.normalization.InstanceNorm1d", InstanceNorm1d)
InstanceNorm2d = standin_class("torch.nn.quantized.modules.normalization.InstanceNorm2d", InstanceNorm2d)
InstanceNorm3d = standin_class("torch.nn.quantized.modules.normalization.InstanceNorm3d", InstanceNorm3d)
