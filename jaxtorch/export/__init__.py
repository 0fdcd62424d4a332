"""torch.export on jaxtorch: the dynamic-shape vocabulary works, exporting does not.

torch.export traces a module into an FX graph (an ExportedProgram) for ahead-of-time deployment. jaxtorch traces
to XLA through JAX instead (`torch.compile`; `jaxtorch.func.to_jax` gives a pure function for `jax.jit`/`jax.export`)
and builds no FX graphs, so `export`, `draft_export`, `save`, `load`, `unflatten` and the program classes raise
NotImplementedError when used. What code prepares before exporting works as in torch: `Dim` (with `Dim.AUTO`,
`Dim.STATIC`, `Dim.DYNAMIC`, bounds and derived dims), `dims`, `ShapesCollection`, `AdditionalInputs`, and
`register_dataclass` (which registers the class with `torch.utils._pytree`, as torch does).
"""

from __future__ import annotations

from typing import Any

from .. import _unsupported
from ..fx.passes.infra.pass_base import PassResult  # noqa: F401
from . import _trace, decomp_utils, dynamic_shapes, exported_program, graph_signature  # noqa: F401
from .decomp_utils import CustomDecompTable
from .dynamic_shapes import _WHY, AdditionalInputs, Constraint, Dim, ShapesCollection, dims
from .exported_program import ExportedProgram, ModuleCallEntry, ModuleCallSignature, default_decompositions
from .graph_signature import ExportBackwardSignature, ExportGraphSignature
from .unflatten import FlatArgsAdapter, UnflattenedModule, unflatten

__all__ = [
    "AdditionalInputs",
    "Constraint",
    "CustomDecompTable",
    "default_decompositions",
    "Dim",
    "dims",
    "draft_export",
    "export",
    "ExportBackwardSignature",
    "ExportedProgram",
    "ExportGraphSignature",
    "FlatArgsAdapter",
    "load",
    "ModuleCallEntry",
    "ModuleCallSignature",
    "register_dataclass",
    "save",
    "ShapesCollection",
    "unflatten",
    "UnflattenedModule",
]

export = _unsupported.function("torch.export.export", _WHY)
draft_export = _unsupported.function("torch.export.draft_export", _WHY)
save = _unsupported.function("torch.export.save", _WHY)
load = _unsupported.function("torch.export.load", _WHY)


def register_dataclass(cls: type[Any], *, serialized_type_name: str | None = None) -> None:
    """Register a dataclass as a pytree node (its init fields are the children) with torch.utils._pytree."""
    from ..utils import _pytree

    _pytree.register_dataclass(cls, serialized_type_name=serialized_type_name)
