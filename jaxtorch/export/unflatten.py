"""torch.export.unflatten: rebuilding a module hierarchy from an ExportedProgram (unsupported with torch.export)."""

from .. import _unsupported
from ..nn.modules.module import Module
from .dynamic_shapes import _WHY

__all__ = ["FlatArgsAdapter", "InterpreterModule", "UnflattenedModule", "unflatten"]

FlatArgsAdapter = _unsupported.cls("torch.export.FlatArgsAdapter", _WHY)
UnflattenedModule = _unsupported.cls("torch.export.UnflattenedModule", _WHY, bases=(Module,))
InterpreterModule = _unsupported.cls("torch.export.unflatten.InterpreterModule", _WHY, bases=(Module,))
unflatten = _unsupported.function("torch.export.unflatten", _WHY)
