"""torch.nn.intrinsic.qat.modules.conv_fused: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ....quantized._standin import standin_class, standin_function
from ....modules import Conv1d, Conv2d, Conv3d

__all__ = [
    "ConvBn1d",
    "ConvBnReLU1d",
    "ConvReLU1d",
    "ConvBn2d",
    "ConvBnReLU2d",
    "ConvReLU2d",
    "ConvBn3d",
    "ConvBnReLU3d",
    "ConvReLU3d",
    "freeze_bn_stats",
    "update_bn_stats",
]

ConvBn1d = standin_class("torch.nn.intrinsic.qat.modules.conv_fused.ConvBn1d", Conv1d)
ConvBnReLU1d = standin_class("torch.nn.intrinsic.qat.modules.conv_fused.ConvBnReLU1d", Conv1d)
ConvReLU1d = standin_class("torch.nn.intrinsic.qat.modules.conv_fused.ConvReLU1d", Conv1d)
ConvBn2d = standin_class("torch.nn.intrinsic.qat.modules.conv_fused.ConvBn2d", Conv2d)
ConvBnReLU2d = standin_class("torch.nn.intrinsic.qat.modules.conv_fused.ConvBnReLU2d", Conv2d)
ConvReLU2d = standin_class("torch.nn.intrinsic.qat.modules.conv_fused.ConvReLU2d", Conv2d)
ConvBn3d = standin_class("torch.nn.intrinsic.qat.modules.conv_fused.ConvBn3d", Conv3d)
ConvBnReLU3d = standin_class("torch.nn.intrinsic.qat.modules.conv_fused.ConvBnReLU3d", Conv3d)
ConvReLU3d = standin_class("torch.nn.intrinsic.qat.modules.conv_fused.ConvReLU3d", Conv3d)
freeze_bn_stats = standin_function("torch.nn.intrinsic.qat.modules.conv_fused.freeze_bn_stats")
update_bn_stats = standin_function("torch.nn.intrinsic.qat.modules.conv_fused.update_bn_stats")
