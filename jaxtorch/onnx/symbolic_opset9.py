"""torch.onnx.symbolic_opset9: TorchScript-exporter conversions for ONNX opset 9 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset9")
