"""torch.ao.quantization.stubs: QuantStub, DeQuantStub, QuantWrapper.

In a float model (before torch's `convert`) these are identity modules, and that is all jaxtorch ever runs: they
are real modules with torch's structure (children, state_dict, repr), so models that place them run unchanged.
"""

from __future__ import annotations

from typing import Any

from ...nn import Module

__all__ = ["QuantStub", "DeQuantStub", "QuantWrapper"]


class QuantStub(Module):
    """Marks where a tensor would be quantized; the identity in a float model."""

    def __init__(self, qconfig: Any | None = None) -> None:
        super().__init__()
        if qconfig:
            self.qconfig = qconfig

    def forward(self, x):
        return x


class DeQuantStub(Module):
    """Marks where a tensor would be dequantized; the identity in a float model."""

    def __init__(self, qconfig: Any | None = None) -> None:
        super().__init__()
        if qconfig:
            self.qconfig = qconfig

    def forward(self, x):
        return x


class QuantWrapper(Module):
    """`module` between a QuantStub and a DeQuantStub (which take its qconfig, if it has one)."""

    quant: QuantStub
    dequant: DeQuantStub
    module: Module

    def __init__(self, module: Module) -> None:
        super().__init__()
        qconfig = getattr(module, "qconfig", None)
        self.add_module("quant", QuantStub(qconfig))
        self.add_module("dequant", DeQuantStub(qconfig))
        self.add_module("module", module)
        self.train(module.training)

    def forward(self, X):
        return self.dequant(self.module(self.quant(X)))
