"""torch.onnx.symbolic_opset19: TorchScript-exporter conversions for ONNX opset 19 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset19")
