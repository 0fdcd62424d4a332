"""torch.nn.cpp: wrappers that present a module of torch's C++ frontend as a Python nn.Module.

jaxtorch has no C++ frontend, so there is no C++ module to wrap: both classes import (ModuleWrapper is an
nn.Module subclass, as in torch) and raise NotImplementedError when constructed.
"""

from __future__ import annotations

from .. import _unsupported
from .modules.module import Module

_WHY = "jaxtorch has no C++ frontend modules to wrap"

OrderedDictWrapper = _unsupported.cls("torch.nn.cpp.OrderedDictWrapper", _WHY)
ModuleWrapper = _unsupported.cls("torch.nn.cpp.ModuleWrapper", _WHY, bases=(Module,))
