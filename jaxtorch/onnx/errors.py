"""torch.onnx.errors: the exporter's exception and warning types."""

from __future__ import annotations

from typing import Any

__all__ = ["OnnxExporterError", "OnnxExporterWarning", "SymbolicValueError", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """Errors raised by the ONNX exporter."""


OnnxExporterError.__module__ = "torch.onnx"


class OnnxExporterWarning(UserWarning):
    """Warnings from the ONNX exporter."""


class SymbolicValueError(OnnxExporterError):
    """An error about a TorchScript value met while converting to ONNX."""

    def __init__(self, msg: str, value: Any) -> None:
        super().__init__(f"{msg}  [Caused by the value '{value}'.]")


class UnsupportedOperatorError(OnnxExporterError):
    """An operator the ONNX exporter cannot convert at the requested opset."""

    def __init__(self, name: str, version: int, supported_version: int | None) -> None:
        if supported_version is not None:
            msg = (
                f"Exporting the operator '{name}' to ONNX opset version {version} is not supported. Support for "
                f"this operator was added in version {supported_version}, try exporting with this version."
            )
        else:
            msg = f"Exporting the operator '{name}' to ONNX opset version {version} is not supported."
        super().__init__(msg)
