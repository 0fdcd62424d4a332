"""torch.jit.save / torch.jit.load: TorchScript archives hold compiled graphs, which jaxtorch cannot make or run."""

from __future__ import annotations

from .. import _unsupported

__all__ = ["save", "load", "save_jit_module_to_flatbuffer", "jit_module_from_flatbuffer"]

_WHY = (
    "TorchScript archives hold TorchScript graphs, which jaxtorch cannot produce or execute; "
    "save the state_dict with torch.save and rebuild the module in Python instead"
)

save = _unsupported.function("torch.jit.save", _WHY)
load = _unsupported.function("torch.jit.load", _WHY)
save_jit_module_to_flatbuffer = _unsupported.function("torch.jit.save_jit_module_to_flatbuffer", _WHY)
jit_module_from_flatbuffer = _unsupported.function("torch.jit.jit_module_from_flatbuffer", _WHY)
