"""torch.nn.quantized.modules.utils: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .._standin import standin_class

WeightedQuantizedModule = standin_class("torch.nn.quantized.modules.utils.WeightedQuantizedModule")
