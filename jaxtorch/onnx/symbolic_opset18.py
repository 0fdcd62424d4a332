"""torch.onnx.symbolic_opset18: TorchScript-exporter conversions for ONNX opset 18 (see torch.onnx._symbolic)."""

from ._symbolic import install

__all__: list[str] = []

install(globals(), "symbolic_opset18")
