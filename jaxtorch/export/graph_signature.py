"""torch.export.graph_signature: how an exported graph's inputs and outputs map to parameters, buffers and user
values (unsupported with torch.export)."""

from .. import _unsupported
from .dynamic_shapes import _WHY

__all__ = ["ExportGraphSignature", "ExportBackwardSignature", "InputSpec", "OutputSpec", "InputKind", "OutputKind"]

ExportGraphSignature = _unsupported.cls("torch.export.ExportGraphSignature", _WHY)
ExportBackwardSignature = _unsupported.cls("torch.export.ExportBackwardSignature", _WHY)
InputSpec = _unsupported.cls("torch.export.graph_signature.InputSpec", _WHY)
OutputSpec = _unsupported.cls("torch.export.graph_signature.OutputSpec", _WHY)
InputKind = _unsupported.cls("torch.export.graph_signature.InputKind", _WHY)
OutputKind = _unsupported.cls("torch.export.graph_signature.OutputKind", _WHY)
