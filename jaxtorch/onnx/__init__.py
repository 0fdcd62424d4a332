"""torch.onnx on jaxtorch: importable; exporting to ONNX is not supported.

Model code asks `torch.onnx.is_in_onnx_export()` in forward (always False here), libraries register custom symbolic
functions and decorate them with `symbolic_helper.parse_args` at import time (recorded / returned unchanged), and
refer to the enums (`TrainingMode`, `OperatorExportTypes`, ...) with torch's members. `export` and the exporter's
classes (`ONNXProgram`, `ExportableModule`, `InputObserver`) raise NotImplementedError when used: jaxtorch has no
TorchScript or FX graphs to convert. For deployment, `jaxtorch.func.to_jax(model)` gives a pure JAX function that
`jax.export` serializes (StableHLO).
"""

from __future__ import annotations

from .. import _unsupported
from ..nn.modules.module import Module
from . import errors, ops, symbolic_helper, symbolic_opset9, symbolic_opset10, utils  # noqa: F401
from ._enums import JitScalarType, OperatorExportTypes, TensorProtoDataType, TrainingMode  # noqa: F401
from .errors import OnnxExporterError
from .utils import (  # noqa: F401
    WHY as _WHY,
    export,
    register_custom_op_symbolic,
    select_model_mode_for_export,
    unregister_custom_op_symbolic,
)

__all__ = [
    "errors",
    "ops",
    "export",
    "is_in_onnx_export",
    "OnnxExporterError",
    "ONNXProgram",
    "ExportableModule",
    "InputObserver",
]

producer_name = "pytorch"
producer_version = "2.13.0"  # the torch release whose exporter this API mirrors

ONNXProgram = _unsupported.cls("torch.onnx.ONNXProgram", _WHY)
ExportableModule = _unsupported.cls("torch.onnx.ExportableModule", _WHY, bases=(Module,))
InputObserver = _unsupported.cls("torch.onnx.InputObserver", _WHY)


def is_in_onnx_export() -> bool:
    """Whether an ONNX export is tracing the running code: never, in jaxtorch."""
    return False
