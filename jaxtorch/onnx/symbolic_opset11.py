"""torch.onnx.symbolic_opset11: TorchScript-exporter conversions for ONNX opset 11 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset11")
