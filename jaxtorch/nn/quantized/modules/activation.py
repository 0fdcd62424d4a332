"""torch.nn.quantized.modules.activation: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .._standin import standin_class
from ...modules import ELU, Hardswish, LeakyReLU, MultiheadAttention, ReLU, Sigmoid, Softmax

ELU = standin_class("torch.nn.quantized.modules.activation.ELU", ELU)
Hardswish = standin_class("torch.nn.quantized.modules.activation.Hardswish", Hardswish)
LeakyReLU = standin_class("torch.nn.quantized.modules.activation.LeakyReLU", LeakyReLU)
MultiheadAttention = standin_class("torch.nn.quantized.modules.activation.MultiheadAttention", MultiheadAttention)
PReLU = standin_class("torch.nn.quantized.modules.activation.PReLU")
ReLU6 = standin_class("torch.nn.quantized.modules.activation.ReLU6", ReLU)
Sigmoid = standin_class("torch.nn.quantized.modules.activation.Sigmoid", Sigmoid)
Softmax = standin_class("torch.nn.quantized.modules.activation.Softmax", Softmax)
