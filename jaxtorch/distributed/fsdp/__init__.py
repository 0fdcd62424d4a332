"""`torch.distributed.fsdp`: importable, not implemented yet (FSDP will shard parameters with jax.sharding).

The names exist so library code that imports them at module level (to check `isinstance(model, FSDPModule)`,
always False here) loads; constructing or calling any of them raises NotImplementedError.
"""

from __future__ import annotations

from ... import _unsupported

__all__ = ["BackwardPrefetch", "CPUOffload", "FullOptimStateDictConfig", "FullStateDictConfig",
           "FullyShardedDataParallel", "LocalOptimStateDictConfig", "LocalStateDictConfig", "MixedPrecision",
           "OptimStateDictConfig", "OptimStateKeyType", "ShardedOptimStateDictConfig", "ShardedStateDictConfig",
           "ShardingStrategy", "StateDictConfig", "StateDictSettings", "StateDictType", "CPUOffloadPolicy",
           "DataParallelMeshDims", "FSDPModule", "fully_shard", "MixedPrecisionPolicy", "OffloadPolicy",
           "register_fsdp_forward_method", "UnshardHandle", "share_comm_ctx"]

_WHY = "fully sharded data parallel is not implemented yet; DistributedDataParallel is"

_unsupported.names(globals(), "torch.distributed.fsdp", _WHY,
                   functions=("fully_shard", "register_fsdp_forward_method", "share_comm_ctx"),
                   classes=tuple(n for n in __all__ if n[0].isupper()))
