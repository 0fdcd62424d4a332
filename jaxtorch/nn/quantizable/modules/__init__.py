"""torch.nn.quantizable.modules: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .activation import MultiheadAttention
from .rnn import LSTM, LSTMCell
from . import activation
from . import rnn

__all__ = ["LSTM", "LSTMCell", "MultiheadAttention"]
