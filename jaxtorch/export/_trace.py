"""torch.export._trace: the tracing entry points behind torch.export (unsupported, like torch.export itself)."""

from .. import _unsupported
from .dynamic_shapes import _WHY

_export = _unsupported.function("torch.export._trace._export", _WHY)
_export_for_training = _unsupported.function("torch.export._trace._export_for_training", _WHY)
_export_to_torch_ir = _unsupported.function("torch.export._trace._export_to_torch_ir", _WHY)
_export_to_aten_ir = _unsupported.function("torch.export._trace._export_to_aten_ir", _WHY)
_strict_export = _unsupported.function("torch.export._trace._strict_export", _WHY)
_non_strict_export = _unsupported.function("torch.export._trace._non_strict_export", _WHY)
