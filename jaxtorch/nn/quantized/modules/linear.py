"""torch.nn.quantized.modules.linear: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .._standin import standin_class

__all__ = ["LinearPackedParams", "Linear"]

LinearPackedParams = standin_class("torch.nn.quantized.modules.linear.LinearPackedParams")
Linear = standin_class("torch.nn.quantized.modules.linear.Linear")
