"""torch.nn.qat.modules.conv: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ...quantized._standin import standin_class
from ...modules import Conv1d, Conv2d, Conv3d

Conv1d = standin_class("torch.nn.qat.modules.conv.Conv1d", Conv1d)
Conv2d = standin_class("torch.nn.qat.modules.conv.Conv2d", Conv2d)
Conv3d = standin_class("torch.nn.qat.modules.conv.Conv3d", Conv3d)
