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

A collective that cannot complete fails as torch's gloo does, with a RuntimeError: when a member
process dies its sockets close ("Connection closed by peer"), and a member that never joins makes
the wait time out after the process group's timeout (XLA's CPU collective timeout). `pending` names
the collective this process is blocked in, and `completed` counts them, so that jaxtorch.distributed's
watchdog can also end the wait when a member has left without dying (distributed_c10d._watch_peers).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterator, Sequence

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


# How many operations of each sequence this process has completed: "c/0,1" counts the collectives of the
# processes 0 and 1 (each member counts the same ones, since all call them in the same order), and
# distributed_c10d adds "b/..." (its barriers with a timeout) and "p/SRC,DST,TAG" (messages sent).
completed: dict[str, int] = {}

# (name, member ranks, sequence, index in it, time.monotonic() at the start) while this process waits in
# an operation: a member that has left having completed fewer than `index` operations of the sequence
# will never take part in it (distributed_c10d._watch_peers uses this)
pending: tuple[str, tuple[int, ...], str, int, float] | None = None


@contextlib.contextmanager
def waiting(name: str, ranks: Sequence[int], sequence: str | None = None, index: int | None = None
            ) -> Iterator[None]:
    """Mark this process as blocked in `name` with the processes `ranks`; count it in `sequence` when done."""
    global pending
    sequence = sequence or "c/" + ",".join(str(r) for r in ranks)
    index = completed.get(sequence, 0) + 1 if index is None else index
    pending = (name, tuple(ranks), sequence, index, time.monotonic())
    try:
        yield
    finally:
        pending = None
    completed[sequence] = max(index, completed.get(sequence, 0))


def _gloo_error(kind: str, e: Exception) -> RuntimeError | None:
    """torch's error for a failed gloo collective (a RuntimeError), from the one jax raised, if it is one."""
    text = str(e)
    if "Gloo" not in text and "gloo" not in text:
        return None
    text = text.split("UNKNOWN: ", 1)[-1]
    # a peer's socket closed: this failure is a consequence of another process's (the launcher then names
    # that one as the root cause, though this error may be noted first); a timeout is not
    caused_by_peer = any(s in text for s in ("by peer", "Broken pipe", "Connection refused"))
    if caused_by_peer:
        hint = "This is typically caused by a remote worker crashing or exiting. Check the logs of the remote worker."
    elif "Timed out" in text:
        hint = ("A remote worker did not take part in the collective within the process group's timeout "
                "(init_process_group(timeout=...)).")
    else:
        hint = "Check the logs of the remote workers."
    err = RuntimeError(f"jaxtorch.distributed.{kind}: {text}. {hint}")
    err._jaxtorch_caused_by_peer = caused_by_peer
    return err


def _run(kind: str, arrays: Sequence, ranks: tuple[int, ...], my_index: int, arg: object = None,
         name: str | None = None) -> list:
    _check_concrete(arrays)
    if not arrays:
        return []
    mesh = process_mesh(ranks)
    name = name or kind
    with waiting(name, ranks):
        try:
            # block here: a collective that fails must fail in this call, and `pending` must cover the wait
            out = jax.block_until_ready(_jitted(kind, mesh, arg)(_stack_global(arrays, mesh, my_index)))
        except Exception as e:
            err = _gloo_error(name, e)
            if err is None:
                raise
            raise err from None
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


def barrier(ranks: tuple[int, ...], my_index: int) -> None:
    """Wait until every process of `ranks` gets here: a one-element all-reduce, as torch's gloo barrier is a
    collective too (a member that dies ends the wait at once, one that never comes makes it time out)."""
    if len(ranks) > 1:
        _run("all_reduce", [np.zeros((), np.int32)], ranks, my_index, "sum", name="barrier")


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
