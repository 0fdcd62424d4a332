"""torch.utils.data.backward_compatibility: a deprecated no-op worker_init_fn kept for old DataPipe code."""

from __future__ import annotations

import warnings

__all__ = ["worker_init_fn"]


def worker_init_fn(worker_id: int) -> None:
    """Does nothing (DataLoader shards DataPipes in every worker itself); deprecated, as in torch."""
    warnings.warn(
        "Usage of `backward_compatibility.worker_init_fn` is deprecated as `DataLoader` automatically "
        "applies sharding in every worker",
        FutureWarning,
        stacklevel=2,
    )
