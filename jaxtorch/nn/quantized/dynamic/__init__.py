"""torch.nn.quantized.dynamic: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .modules.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .modules.linear import Linear
from .modules.rnn import GRU, GRUCell, LSTM, LSTMCell, RNNCell
from . import modules
