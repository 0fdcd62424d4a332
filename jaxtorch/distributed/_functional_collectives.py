"""`torch.distributed._functional_collectives`: collectives that return a new tensor instead of writing one.

Each runs the matching collective of `torch.distributed` on a copy (eagerly; the result is ready when returned,
so `wait_tensor` is the identity). `group` is a ProcessGroup, a list of global ranks, or None for the default
group; torch's DeviceMesh groups are not supported (DeviceMesh is not implemented).
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from . import distributed_c10d as _c10d

__all__ = ["all_reduce", "all_gather_tensor", "reduce_scatter_tensor", "all_reduce_coalesced", "wait_tensor",
           "broadcast", "all_to_all_single", "AsyncCollectiveTensor"]


class AsyncCollectiveTensor:
    """torch wraps pending results in this class; jaxtorch's results are never pending, so none is created."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("torch.distributed._functional_collectives.AsyncCollectiveTensor is not used by "
                                  "jaxtorch: functional collectives return finished tensors")


def _group(group: Any):
    if group is None or isinstance(group, _c10d.ProcessGroup):
        return group
    if isinstance(group, (list, tuple)):
        ranks = sorted(int(r) for r in group)
        if ranks == list(range(_c10d.get_world_size())):
            return None
        return _c10d.new_group(ranks)
    raise NotImplementedError(f"functional collectives over a {type(group).__name__} group are not supported by "
                              "jaxtorch (use a ProcessGroup or a list of ranks)")


def _op(reduce_op: Any):
    return getattr(_c10d.ReduceOp, reduce_op.upper()) if isinstance(reduce_op, str) else reduce_op


def wait_tensor(tensor: Tensor) -> Tensor:
    return tensor


def all_reduce(self: Tensor, reduceOp: Any, group: Any, tag: str = "") -> Tensor:
    out = self.clone()
    _c10d.all_reduce(out, _op(reduceOp), group=_group(group))
    return out


def all_reduce_coalesced(self: list, reduceOp: Any, group: Any, tag: str = "") -> list:
    return [all_reduce(t, reduceOp, group, tag) for t in self]


def broadcast(self: Tensor, src: int, group: Any, tag: str = "") -> Tensor:
    out = self.clone()
    _c10d.broadcast(out, src, group=_group(group))
    return out


def all_gather_tensor(self: Tensor, gather_dim: int, group: Any, tag: str = "") -> Tensor:
    from .. import _ops

    g = _group(group)
    n = _c10d.get_world_size(g)
    out = _ops.creation.empty((n * self.shape[0], *self.shape[1:]), dtype=self.dtype)
    _c10d.all_gather_into_tensor(out, self.contiguous(), group=g)
    if gather_dim != 0:
        out = _ops.shape.cat(out.chunk(n, 0), dim=gather_dim)
    return out


def reduce_scatter_tensor(self: Tensor, reduceOp: str, scatter_dim: int, group: Any, tag: str = "") -> Tensor:
    from .. import _ops

    g = _group(group)
    n = _c10d.get_world_size(g)
    if self.shape[scatter_dim] % n:
        raise AssertionError(f"input dimension {scatter_dim} ({self.shape[scatter_dim]} must be a multiple of "
                             f"group_size {n})")
    inp = self if scatter_dim == 0 else _ops.shape.cat(self.chunk(n, scatter_dim), dim=0)
    out = _ops.creation.empty((inp.shape[0] // n, *inp.shape[1:]), dtype=self.dtype)
    _c10d.reduce_scatter_tensor(out, inp.contiguous(), _op(reduceOp), group=g)
    return out


def all_to_all_single(self: Tensor, output_split_sizes: list | None, input_split_sizes: list | None, group: Any,
                      tag: str = "") -> Tensor:
    from .. import _ops

    g = _group(group)
    rows = sum(output_split_sizes) if output_split_sizes is not None else self.shape[0]
    out = _ops.creation.empty((rows, *self.shape[1:]), dtype=self.dtype)
    _c10d.all_to_all_single(out, self.contiguous(), output_split_sizes, input_split_sizes, group=g)
    return out


def all_to_all_single_autograd(self: Tensor, output_split_sizes: list | None, input_split_sizes: list | None,
                               group: Any, tag: str = "") -> Tensor:
    """all_to_all_single whose backward is the reverse exchange: not implemented for inputs that need grad."""
    if self.requires_grad:
        raise NotImplementedError("torch.distributed._functional_collectives.all_to_all_single_autograd on a tensor "
                                  "that requires grad is not supported by jaxtorch")
    return all_to_all_single(self, output_split_sizes, input_split_sizes, group, tag)


__all__.append("all_to_all_single_autograd")
