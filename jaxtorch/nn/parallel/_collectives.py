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


def _pmean_impl(*xs, axis):
    return tuple(jax.lax.pmean(x, axis) for x in xs)


def _psum_impl(*xs, axis):
    return tuple(jax.lax.psum(x, axis) for x in xs)


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
        return list(apply(_pmean_impl, tuple(tensors), (("axis", axis),), "allreduce_mean"))
    if _world() > 1:
        from ... import distributed as dist

        return [Tensor._make(a) for a in dist.all_reduce_arrays([t._value() for t in tensors], op="avg")]
    return list(tensors)


def total(tensors: list[Tensor]) -> list[Tensor]:
    """Sum of each tensor over all replicas, differentiable (the backward of a sum is a sum)."""
    axis = _trace_state.dp_axis
    if axis is not None:
        return list(apply(_psum_impl, tuple(tensors), (("axis", axis),), "allreduce_sum"))
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
