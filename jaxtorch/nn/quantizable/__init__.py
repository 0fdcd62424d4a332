"""torch.nn.quantizable: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .modules.activation import MultiheadAttention
from .modules.rnn import LSTM, LSTMCell
from . import modules
