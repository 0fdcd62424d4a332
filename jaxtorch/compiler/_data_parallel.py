"""Data-parallel compiled steps: one program per device under shard_map over a 'dp' mesh axis (DESIGN.md §8).

Tensor arguments are split along dim 0, state is replicated, and DistributedDataParallel / SyncBatchNorm reduce
over the axis inside the program. Across processes each process feeds its block of the global batch.
"""

from __future__ import annotations

import jax
import numpy as np



def global_aval(a, mesh, sharded=False):
    """The abstract value of the global batch whose per-process block is `a`."""
    from jax.sharding import NamedSharding, PartitionSpec as P

    shape, dtype = np.shape(a), a.dtype
    batched = len(shape) >= 1
    if batched:
        shape = (shape[0] * jax.process_count(),) + tuple(shape[1:])
    if not sharded:
        return jax.ShapeDtypeStruct(shape, dtype)
    return jax.ShapeDtypeStruct(shape, dtype, sharding=NamedSharding(mesh, P("dp") if batched else P()))


def data_parallel_pending() -> bool:
    """A DistributedDataParallel/DataParallel module exists and there are several devices (local, or
    across the processes of an initialized process group)."""
    from ..nn.parallel.distributed import _live_replicated_modules

    return bool(_live_replicated_modules) and len(jax.devices()) > 1


def dp_mesh():
    from jax.sharding import Mesh

    devices = jax.devices() if jax.process_count() > 1 else jax.local_devices()
    return Mesh(np.array(devices), ("dp",)) if len(devices) > 1 else None


def combine_replicas(x):
    """Inside the data-parallel program: what the replicas' results are to the caller (as
    gather_replicas, done by collectives so no separate dispatch follows each step)."""
    if x.ndim == 0:
        if jax.numpy.issubdtype(x.dtype, jax.numpy.inexact):
            return jax.lax.pmean(x, "dp")
        return jax.lax.psum(x, "dp")
    return jax.lax.all_gather(x, "dp", tiled=True)


def gather_replicas(x):
    """Per-replica results of a data-parallel step: per-sample outputs are concatenated along the
    batch; a float scalar (a mean loss) is averaged, an integer scalar (a count) is summed."""
    if x.ndim == 1:
        return x.mean() if jax.numpy.issubdtype(x.dtype, jax.numpy.inexact) else x.sum()
    return x.reshape((-1,) + x.shape[2:])
