"""torch.nn.qat.modules.linear: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from ...quantized._standin import standin_class
from ...modules import Linear

Linear = standin_class("torch.nn.qat.modules.linear.Linear", Linear)
