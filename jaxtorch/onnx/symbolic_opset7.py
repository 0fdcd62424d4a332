"""torch.onnx.symbolic_opset7: TorchScript-exporter conversions for ONNX opset 7 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset7")
