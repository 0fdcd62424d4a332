"""torch.distributed on jax.distributed: process groups, collectives, and the `run` launcher.

Start processes with `python -m jaxtorch.distributed.run --nproc_per_node=N script.py`, then call
`init_process_group()` in each. For code that works on raw jax arrays (e.g. DistributedDataParallel's
gradient all-reduce), `all_reduce_arrays(arrays, op="avg")` reduces a list of arrays in one jitted call.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import _collectives
from .distributed_c10d import *  # noqa: F403
from .distributed_c10d import __all__ as _c10d_all
from .distributed_c10d import _member, reduce_op  # noqa: F401


def all_reduce_arrays(arrays: Sequence, op: str = "sum", group: ProcessGroup | None = None) -> list:  # noqa: F405
    """Reduce each jax array in `arrays` over the group's processes; returns new arrays (one jitted call).

    `op` is "sum", "avg", "product", "min", "max", "band", "bor" or "bxor" (or a ReduceOp). Eager only:
    the arrays must be concrete, with the same shapes/dtypes and list order on every rank. Ranks outside
    `group` get their arrays back unchanged.
    """
    g = _member(group)
    if g is None:
        return list(arrays)
    if not isinstance(op, str):
        op = op.name.lower()
    return _collectives.all_reduce_arrays(list(arrays), op, g.ranks, g.rank())


__all__ = list(_c10d_all) + ["all_reduce_arrays"]
