"""Cross-process collectives on plain jax arrays (eager): the layer under `jaxtorch.distributed`.

How a collective runs: every member process holds its local value. The values are laid side by side
in one global `jax.Array` of shape (n, *shape), sharded over a mesh axis "proc" that has one device per
member process (the first local device of each). A cached jitted function reduces / gathers /
transposes that global array, and its `out_shardings` say where the result lives (replicated, or
split again over "proc"); XLA turns that into all-reduce / all-gather / reduce-scatter / all-to-all
over jax.distributed's runtime (gloo on CPU, NCCL on GPU). Each process then reads its local shard.

Every function takes and returns lists of jax arrays, so many arrays (e.g. all gradients of a model)
go through ONE jitted call. Arrays must be concrete: under `jax.jit` tracing use shardings instead.
All member processes must call the same function with the same shapes and dtypes, in the same order.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

AXIS = "proc"

# op names accepted by the *_arrays functions (ReduceOp members map onto these)
REDUCE_OPS = ("sum", "avg", "product", "min", "max", "band", "bor", "bxor")


@functools.lru_cache(maxsize=None)
def process_mesh(ranks: tuple[int, ...]) -> Mesh:
    """A 1-d mesh (axis "proc") with the first local device of each process in `ranks`, in that order."""
    return Mesh(np.array([jax.local_devices(process_index=r)[0] for r in ranks]), (AXIS,))


def _check_concrete(arrays: Sequence) -> None:
    for a in arrays:
        if isinstance(a, jax.core.Tracer):
            raise RuntimeError("jaxtorch.distributed collectives run eagerly and cannot be called inside a "
                               "traced (compiled) function; under compile, data-parallel steps use shardings")


def _stack_global(arrays: Sequence, mesh: Mesh, my_index: int) -> list:
    """Each local array x becomes this process's row of a global (n, *x.shape) array sharded over "proc"."""
    device = mesh.devices[my_index]
    sharding = NamedSharding(mesh, P(AXIS))
    n = mesh.devices.size
    out = []
    for a in arrays:
        a = jnp.asarray(a)
        local = jax.device_put(a[None], device)
        out.append(jax.make_array_from_single_device_arrays((n,) + a.shape, sharding, [local]))
    return out


def _local(array) -> jax.Array:
    """This process's piece of a result (the whole value if replicated)."""
    return array.addressable_shards[0].data


def _reduce0(x, op: str):
    """Reduce axis 0 of x with `op`, keeping x's dtype (integer sums wrap as in torch)."""
    if op == "sum":
        return jnp.any(x, axis=0) if x.dtype == jnp.bool_ else jnp.sum(x, axis=0, dtype=x.dtype)
    if op == "avg":
        total = jnp.sum(x, axis=0, dtype=x.dtype)
        if jnp.issubdtype(x.dtype, jnp.inexact):
            return (total / x.shape[0]).astype(x.dtype)
        return jax.lax.div(total, jnp.asarray(x.shape[0], x.dtype))  # truncating, like NCCL's integer AVG
    if op == "product":
        return jnp.all(x, axis=0) if x.dtype == jnp.bool_ else jnp.prod(x, axis=0, dtype=x.dtype)
    if op == "max":
        return jnp.max(x, axis=0)
    if op == "min":
        return jnp.min(x, axis=0)
    fn = {"band": jnp.bitwise_and, "bor": jnp.bitwise_or, "bxor": jnp.bitwise_xor}[op]
    return functools.reduce(fn, [x[i] for i in range(x.shape[0])])


@functools.lru_cache(maxsize=None)
def _jitted(kind: str, mesh: Mesh, arg: object):
    """One cached jitted program per (collective kind, mesh, static argument)."""
    replicated = NamedSharding(mesh, P())
    split = NamedSharding(mesh, P(AXIS))
    if kind == "all_reduce":
        return jax.jit(lambda xs: [_reduce0(x, arg) for x in xs], out_shardings=replicated)
    if kind == "all_gather":
        return jax.jit(lambda xs: xs, out_shardings=replicated)
    if kind == "broadcast":  # arg: index of the source in the mesh
        return jax.jit(lambda xs: [x[arg] for x in xs], out_shardings=replicated)
    if kind == "reduce_scatter":
        # x: (n, n * k, ...) -> reduce over senders -> (n * k, ...) split back over "proc" along dim 0
        return jax.jit(lambda xs: [_reduce0(x, arg) for x in xs], out_shardings=split)
    if kind == "all_to_all":
        # x: (n_src, n_dst, ...) -> (n_dst, n_src, ...) split over "proc": row j is what rank j receives
        return jax.jit(lambda xs: [jnp.swapaxes(x, 0, 1) for x in xs], out_shardings=split)
    if kind == "scatter":  # arg: index of the source; x: (n_src, n_dst, ...) -> x[src] split over "proc"
        return jax.jit(lambda xs: [x[arg] for x in xs], out_shardings=split)
    raise ValueError(kind)


def _run(kind: str, arrays: Sequence, ranks: tuple[int, ...], my_index: int, arg: object = None) -> list:
    _check_concrete(arrays)
    if not arrays:
        return []
    mesh = process_mesh(ranks)
    out = _jitted(kind, mesh, arg)(_stack_global(arrays, mesh, my_index))
    return [_local(o) for o in out]


def all_reduce_arrays(arrays: Sequence, op: str, ranks: tuple[int, ...], my_index: int) -> list:
    """Reduce each array elementwise over the processes `ranks` (this process is ranks[my_index]).

    Returns new arrays (same shapes and dtypes) holding the reduction, on this process's device.
    `op` is one of REDUCE_OPS. One jitted call for the whole list.
    """
    if op not in REDUCE_OPS:
        raise ValueError(f"unknown reduce op {op!r}")
    if len(ranks) == 1:
        return [jnp.asarray(a) for a in arrays]
    return _run("all_reduce", arrays, ranks, my_index, op)


def all_gather_arrays(arrays: Sequence, ranks: tuple[int, ...], my_index: int) -> list:
    """For each array of shape s, an array of shape (n, *s): row i is process ranks[i]'s value."""
    if len(ranks) == 1:
        return [jnp.asarray(a)[None] for a in arrays]
    return _run("all_gather", arrays, ranks, my_index)


def broadcast_arrays(arrays: Sequence, src_index: int, ranks: tuple[int, ...], my_index: int) -> list:
    """Every process gets process ranks[src_index]'s value of each array."""
    if len(ranks) == 1:
        return [jnp.asarray(a) for a in arrays]
    return _run("broadcast", arrays, ranks, my_index, src_index)


def reduce_scatter_arrays(arrays: Sequence, op: str, ranks: tuple[int, ...], my_index: int) -> list:
    """Each array has shape (n * k, ...): reduce over processes, then process i keeps rows [i*k, (i+1)*k)."""
    if op not in REDUCE_OPS:
        raise ValueError(f"unknown reduce op {op!r}")
    if len(ranks) == 1:
        return [jnp.asarray(a) for a in arrays]
    return _run("reduce_scatter", arrays, ranks, my_index, op)


def all_to_all_arrays(arrays: Sequence, ranks: tuple[int, ...], my_index: int) -> list:
    """Each array has shape (n, ...): row j goes to process ranks[j]; row i of the result came from ranks[i]."""
    if len(ranks) == 1:
        return [jnp.asarray(a) for a in arrays]
    return [o[0] for o in _run("all_to_all", arrays, ranks, my_index)]


def scatter_arrays(arrays: Sequence, src_index: int, ranks: tuple[int, ...], my_index: int) -> list:
    """Each array has shape (n, ...) (only the source's values matter): process i gets row i of the source's."""
    if len(ranks) == 1:
        return [jnp.asarray(a)[0] for a in arrays]
    return [o[0] for o in _run("scatter", arrays, ranks, my_index, src_index)]
