"""torch.nn.quantizable.modules.rnn: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ...quantized._standin import standin_class

LSTM = standin_class("torch.nn.quantizable.modules.rnn.LSTM")
LSTMCell = standin_class("torch.nn.quantizable.modules.rnn.LSTMCell")
