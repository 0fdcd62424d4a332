"""torch.nn.quantized.modules.dropout: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .._standin import standin_class
from ...modules import Dropout

__all__ = ["Dropout"]

Dropout = standin_class("torch.nn.quantized.modules.dropout.Dropout", Dropout)
