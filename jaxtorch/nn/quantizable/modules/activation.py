"""torch.nn.quantizable.modules.activation: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ...quantized._standin import standin_class
from ...modules import MultiheadAttention

MultiheadAttention = standin_class("torch.nn.quantizable.modules.activation.MultiheadAttention", MultiheadAttention)
