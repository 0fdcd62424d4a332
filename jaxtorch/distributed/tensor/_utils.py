"""`torch.distributed.tensor._utils`: the helper library code imports from it (DTensor is not implemented)."""

from __future__ import annotations

from ... import _unsupported

compute_local_shape_and_global_offset = _unsupported.function(
    "torch.distributed.tensor._utils.compute_local_shape_and_global_offset",
    "DTensor (sharded tensors over a DeviceMesh) is not implemented yet")
