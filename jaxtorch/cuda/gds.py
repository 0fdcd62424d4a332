"""torch.cuda.gds: GPUDirect Storage (cuFile) reads and writes between files and GPU memory. jaxtorch cannot hand
XLA's device buffers to cuFile, so registering buffers and GdsFile raise NotImplementedError when used (torch's
builds without GDS raise RuntimeError from the same calls)."""

from __future__ import annotations

from .. import _unsupported

__all__ = ["gds_register_buffer", "gds_deregister_buffer", "GdsFile"]

_WHY = "XLA's device buffers cannot be registered with cuFile"

gds_register_buffer = _unsupported.function("torch.cuda.gds.gds_register_buffer", _WHY)
gds_deregister_buffer = _unsupported.function("torch.cuda.gds.gds_deregister_buffer", _WHY)
GdsFile = _unsupported.cls("torch.cuda.gds.GdsFile", _WHY)
