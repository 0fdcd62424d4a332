"""torch.nn.quantized.modules.conv: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .._standin import standin_class

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

Conv1d = standin_class("torch.nn.quantized.modules.conv.Conv1d")
Conv2d = standin_class("torch.nn.quantized.modules.conv.Conv2d")
Conv3d = standin_class("torch.nn.quantized.modules.conv.Conv3d")
ConvTranspose1d = standin_class("torch.nn.quantized.modules.conv.ConvTranspose1d")
ConvTranspose2d = standin_class("torch.nn.quantized.modules.conv.ConvTranspose2d")
ConvTranspose3d = standin_class("torch.nn.quantized.modules.conv.ConvTranspose3d")
