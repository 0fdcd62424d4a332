"""torch.nn.quantized.modules.functional_modules: importable stand-ins.

Constructing or calling one raises NotImplementedError (why: jaxtorch/nn/quantized/_standin.py).
"""

# ruff: noqa: F401  (re-exports, as in torch)

from .._standin import standin_class

__all__ = ["FloatFunctional", "FXFloatFunctional", "QFunctional"]

FloatFunctional = standin_class("torch.nn.quantized.modules.functional_modules.FloatFunctional")
FXFloatFunctional = standin_class("torch.nn.quantized.modules.functional_modules.FXFloatFunctional")
QFunctional = standin_class("torch.nn.quantized.modules.functional_modules.QFunctional")
