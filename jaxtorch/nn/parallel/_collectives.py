"""Gradient/statistic reductions across data-parallel replicas, wherever the replicas are.

- Inside a compiled data-parallel step (jaxtorch._trace_state.dp_axis is set by compile while it traces
  the step under shard_map over the devices), a reduction is `lax.pmean`/`lax.psum` over that mesh axis.
- Eagerly with several processes (init_process_group), it is jaxtorch.distributed's all-reduce.
- Otherwise there is one replica and nothing to do.
"""

from __future__ import annotations

import jax

from ... import _trace_state
from ..._ops._dispatch import apply
from ..._tensor import Tensor


# Inside a compiled step every cross-replica reduction goes through `_reduce`: the tensors of one call
# are packed into one flat buffer per dtype (one all-reduce each, like DDP's buckets), and each call
# is ordered after the previous one by a token. XLA:CPU runs independent operations concurrently;
# across processes two all-reduces started in different orders on two ranks would be paired wrongly.


def _reduce_impl(token, *xs, axis, op):
    if token is not None:
        xs = jax.lax.optimization_barrier((xs, token))[0]
    if op == "first":  # replica 0's values everywhere
        first = jax.lax.axis_index(axis) == 0
        xs = tuple(jax.numpy.where(first, x, jax.numpy.zeros_like(x)) for x in xs)
    out = list(xs)
    groups: dict = {}
    for i, x in enumerate(xs):
        groups.setdefault(x.dtype, []).append(i)
    for idx in groups.values():
        flat = jax.numpy.concatenate([xs[i].ravel() for i in idx]) if len(idx) > 1 else xs[idx[0]].ravel()
        red = jax.lax.pmean(flat, axis) if op == "mean" else jax.lax.psum(flat, axis)
        start = 0
        for i in idx:
            n = xs[i].size
            out[i] = red[start:start + n].reshape(xs[i].shape)
            start += n
    return (*out, jax.numpy.ravel(out[-1])[:1])


def _reduce(tensors, op, name):
    axis = _trace_state.dp_axis
    res = apply(_reduce_impl, (_trace_state.dp_token, *tensors), (("axis", axis), ("op", op)), name)
    token = res[-1]
    _trace_state.dp_token = token.detach()
    return list(res[:-1])


def from_first(tensors: list[Tensor]) -> list[Tensor]:
    """Inside a compiled data-parallel step: replica 0's value of each tensor, on every replica."""
    if _trace_state.dp_axis is None or not tensors:
        return list(tensors)
    return _reduce(tensors, "first", "broadcast")


def _world():
    from ... import distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def average(tensors: list[Tensor]) -> list[Tensor]:
    """Mean of each tensor over all replicas (new tensors; inputs untouched)."""
    axis = _trace_state.dp_axis
    if not tensors:
        return []
    if axis is not None:
        return _reduce(tensors, "mean", "allreduce_mean")
    if _world() > 1:
        from ... import distributed as dist

        return [Tensor._make(a) for a in dist.all_reduce_arrays([t._value() for t in tensors], op="avg")]
    return list(tensors)


def total(tensors: list[Tensor]) -> list[Tensor]:
    """Sum of each tensor over all replicas, differentiable (the backward of a sum is a sum)."""
    axis = _trace_state.dp_axis
    if axis is not None:
        return _reduce(tensors, "sum", "allreduce_sum")
    if _world() > 1:
        return list(_AllReduceSum.apply(*tensors)) if len(tensors) > 1 else [_AllReduceSum.apply(*tensors)]
    return list(tensors)


def replicas() -> int:
    axis = _trace_state.dp_axis
    if axis is not None:
        return int(jax.lax.axis_size(axis))
    return _world()


from ...autograd.function import Function  # noqa: E402


class _AllReduceSum(Function):
    @staticmethod
    def forward(ctx, *tensors):
        from ... import distributed as dist

        out = [t.detach().clone() for t in tensors]
        for t in out:
            dist.all_reduce(t)
        return tuple(out) if len(out) > 1 else out[0]

    @staticmethod
    def backward(ctx, *grads):
        from ... import distributed as dist

        out = [g.detach().clone() for g in grads]
        for g in out:
            dist.all_reduce(g)
        return tuple(out)
