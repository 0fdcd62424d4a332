"""torch.cuda.nccl: torch's direct bindings to NCCL collectives over tensors on several local GPUs.

jaxtorch does not call NCCL itself (XLA uses it inside compiled collectives; see torch.distributed), so, as in a
torch build without NCCL, `is_available(tensors)` is False -- which is what torch.cuda.comm checks before using it --
and the collectives, `version`, `unique_id` and `init_rank` raise NotImplementedError when called.
"""

from __future__ import annotations

from .. import _unsupported

__all__ = ["all_reduce", "reduce", "broadcast", "all_gather", "reduce_scatter"]

SUM = 0  # ncclRedOp_t's sum

_WHY = "jaxtorch does not call NCCL directly; use torch.distributed collectives or torch.cuda.comm"


def is_available(tensors) -> bool:
    """Whether NCCL can be used for these tensors: never in jaxtorch."""
    return False


version = _unsupported.function("torch.cuda.nccl.version", _WHY)
unique_id = _unsupported.function("torch.cuda.nccl.unique_id", _WHY)
init_rank = _unsupported.function("torch.cuda.nccl.init_rank", _WHY)
all_reduce = _unsupported.function("torch.cuda.nccl.all_reduce", _WHY)
reduce = _unsupported.function("torch.cuda.nccl.reduce", _WHY)
broadcast = _unsupported.function("torch.cuda.nccl.broadcast", _WHY)
all_gather = _unsupported.function("torch.cuda.nccl.all_gather", _WHY)
reduce_scatter = _unsupported.function("torch.cuda.nccl.reduce_scatter", _WHY)
