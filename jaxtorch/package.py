"""torch.package (self-contained model archives with their code): not supported by jaxtorch.

PackageExporter / PackageImporter and the importer machinery raise NotImplementedError when constructed. The
exception classes are real, so `except torch.package.PackagingError` works, and `is_from_package` answers
truthfully (nothing can have come from a torch package: jaxtorch cannot load one).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from . import _unsupported

__all__ = [
    "Directory",
    "EmptyMatchError",
    "GlobGroup",
    "Importer",
    "ObjMismatchError",
    "ObjNotFoundError",
    "OrderedImporter",
    "PackageExporter",
    "PackageImporter",
    "PackagingError",
    "is_from_package",
    "sys_importer",
]

_WHY = "jaxtorch cannot write or load torch.package archives; save state_dicts with torch.save instead"


class EmptyMatchError(Exception):
    """A pattern marked allow_empty=False matched no module."""


class PackagingError(Exception):
    """Packaging failed (missing, broken or denied dependencies)."""


class ObjNotFoundError(Exception):
    """An object was not found in the module it was expected in."""


class ObjMismatchError(Exception):
    """Two objects with the same name were different."""


def is_from_package(obj: Any) -> bool:
    """Whether `obj` (or its module) was loaded from a torch package: torch mangles such module names as
    '<torch_package_N>.name'."""
    name = obj.__name__ if type(obj) is ModuleType else type(obj).__module__
    return name.startswith("<torch_package_")


PackageExporter = _unsupported.cls("torch.package.PackageExporter", _WHY)
PackageImporter = _unsupported.cls("torch.package.PackageImporter", _WHY)
Importer = _unsupported.cls("torch.package.Importer", _WHY)
OrderedImporter = _unsupported.cls("torch.package.OrderedImporter", _WHY, bases=(Importer,))
Directory = _unsupported.cls("torch.package.Directory", _WHY)
GlobGroup = _unsupported.cls("torch.package.GlobGroup", _WHY)
sys_importer = _unsupported.function("torch.package.sys_importer", _WHY)
