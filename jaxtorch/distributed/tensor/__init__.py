"""`torch.distributed.tensor` (DTensor): importable, not implemented yet.

Libraries import `DTensor` and the placement types at module level to check whether a parameter is sharded
(`isinstance(p, DTensor)`); that works, and is always False in jaxtorch. Creating or distributing a DTensor raises
NotImplementedError: sharded tensors are future work (on jax.sharding); DistributedDataParallel is supported.
"""

from __future__ import annotations

from ... import _unsupported
from .placement_types import Partial, Placement, Replicate, Shard

__all__ = ["DTensor", "distribute_tensor", "distribute_module", "Shard", "Replicate", "Partial", "Placement", "ones",
           "empty", "full", "rand", "randn", "zeros"]

_WHY = "DTensor (sharded tensors over a DeviceMesh) is not implemented yet; DistributedDataParallel is"

DTensor = _unsupported.cls("torch.distributed.tensor.DTensor", _WHY)
_unsupported.names(globals(), "torch.distributed.tensor", _WHY,
                   functions=("distribute_tensor", "distribute_module", "ones", "empty", "full", "rand", "randn",
                              "zeros"))
