"""torch.nn.quantized.dynamic.modules.rnn: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ..._standin import standin_class, standin_function

__all__ = [
    "pack_weight_bias",
    "PackedParameter",
    "RNNBase",
    "LSTM",
    "GRU",
    "RNNCellBase",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
]

pack_weight_bias = standin_function("torch.nn.quantized.dynamic.modules.rnn.pack_weight_bias")
PackedParameter = standin_class("torch.nn.quantized.dynamic.modules.rnn.PackedParameter")
RNNBase = standin_class("torch.nn.quantized.dynamic.modules.rnn.RNNBase")
LSTM = standin_class("torch.nn.quantized.dynamic.modules.rnn.LSTM")
GRU = standin_class("torch.nn.quantized.dynamic.modules.rnn.GRU")
RNNCellBase = standin_class("torch.nn.quantized.dynamic.modules.rnn.RNNCellBase")
RNNCell = standin_class("torch.nn.quantized.dynamic.modules.rnn.RNNCell")
LSTMCell = standin_class("torch.nn.quantized.dynamic.modules.rnn.LSTMCell")
GRUCell = standin_class("torch.nn.quantized.dynamic.modules.rnn.GRUCell")
