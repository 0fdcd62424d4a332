"""Shared by torch.onnx.symbolic_helper and symbolic_opset7..20: the TorchScript exporter's symbolic functions.

Each turns one aten op into ONNX nodes of a TorchScript graph while `torch.onnx.export(dynamo=False)` runs, and is
only ever called from there. jaxtorch has no TorchScript graphs, so every one of torch's names is here (code imports
them, e.g. inside `autograd.Function.symbolic`) and raises NotImplementedError when called.
"""

from __future__ import annotations

from typing import Any, Callable

from .. import _shim, _unsupported
from ._symbolic_names import NAMES

WHY = "the TorchScript ONNX exporter needs TorchScript graphs, which jaxtorch does not have"


def install(module_globals: dict, short_name: str) -> None:
    """Give a symbolic module lazy attributes for torch's function names (made on first access)."""
    names = frozenset(NAMES[short_name].split())
    module_name = module_globals["__name__"]
    fallback = _shim._make_getattr(module_name)

    def __getattr__(name: str) -> Callable[..., Any]:
        if name not in names:
            return fallback(name)
        stand_in = _unsupported.function(f"torch.onnx.{short_name}.{name}", WHY)
        module_globals[name] = stand_in
        return stand_in

    def __dir__() -> list[str]:
        return sorted(set(module_globals) | names)

    module_globals["__getattr__"] = __getattr__
    module_globals["__dir__"] = __dir__
