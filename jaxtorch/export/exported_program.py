"""torch.export.exported_program: the ExportedProgram class and its call-signature records. jaxtorch never produces
an ExportedProgram (torch.export is unsupported), so nothing is an instance of these classes."""

from .. import _unsupported
from .dynamic_shapes import _WHY

__all__ = ["ExportedProgram", "ModuleCallEntry", "ModuleCallSignature", "default_decompositions"]

ExportedProgram = _unsupported.cls("torch.export.ExportedProgram", _WHY)
ModuleCallEntry = _unsupported.cls("torch.export.ModuleCallEntry", _WHY)
ModuleCallSignature = _unsupported.cls("torch.export.ModuleCallSignature", _WHY)
default_decompositions = _unsupported.function("torch.export.default_decompositions", _WHY)
