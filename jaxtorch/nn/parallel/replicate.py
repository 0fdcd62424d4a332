"""torch.nn.parallel.replicate: copies of a module on several CUDA devices, as DataParallel makes them.

Each replica shares its Python state with the original (a shallow copy of the module, as torch's
`_replicate_for_data_parallel` does) and holds its parameters as plain tensors on its device; unless `detach`,
those are on the autograd tape, so gradients flow back to the original parameters (torch's Broadcast Function).
As in torch the module must already be on the first CUDA device named: CPU parameters raise AssertionError
(torch's Broadcast), other misplaced tensors RuntimeError (broadcast_coalesced), and a 'cpu' target ValueError.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Sequence, TypeVar

from ..._tensor import Tensor
from ..modules.module import Module
from .comm import _copy_to, _get_device_index, _index_of, broadcast_coalesced

__all__ = ["replicate"]

T = TypeVar("T", bound=Module)


def _broadcast(tensors: Sequence[Tensor], devices: Sequence[int], detach: bool) -> list[list[Tensor]]:
    if len(tensors) == 0:
        return []
    if detach:
        return [list(per_device) for per_device in broadcast_coalesced(tensors, devices)]
    if not all(t.device.type != "cpu" for t in tensors):
        raise AssertionError("Broadcast function not implemented for CPU tensors")
    for t in tensors:
        if _index_of(t) != devices[0]:
            raise RuntimeError(f"All tensors must be on devices[0]: {devices[0]}")
    copies = []
    for i in devices:
        per_device = []
        for t in tensors:
            c = _copy_to(t, i)
            if c is t:  # already there: still a new tensor on the tape (a parameter would re-register)
                c = t.view_as(t)
            # torch's Broadcast leaves the copies of tensors that need no grad off the tape
            per_device.append(c if t.requires_grad else c.detach())
        copies.append(per_device)
    return copies


def _replica_of(module: Module) -> Module:
    replica = module.__new__(type(module))
    replica.__dict__ = module.__dict__.copy()
    replica._parameters = {}  # a replica's parameters are tensors derived from the original's, set as attributes
    replica._buffers = replica._buffers.copy()
    replica._modules = replica._modules.copy()
    replica._is_replica = True
    replica._former_parameters = OrderedDict()
    return replica


def replicate(network: T, devices: Sequence[Any], detach: bool = False) -> list[T]:
    """One replica of `network` per device in `devices`."""
    if not devices:
        return []
    devices = [_get_device_index(x, True) for x in devices]
    if any(i < 0 for i in devices):
        raise ValueError("Expected a non cpu device, but got: cpu")

    params = list(network.parameters())
    param_indices = {id(p): k for k, p in enumerate(params)}
    param_copies = _broadcast(params, devices, detach)

    buffers = list(network.buffers())
    buffers_rg = [b for b in buffers if b.requires_grad and not detach]
    buffers_not_rg = [b for b in buffers if not (b.requires_grad and not detach)]
    index_rg = {id(b): k for k, b in enumerate(buffers_rg)}
    index_not_rg = {id(b): k for k, b in enumerate(buffers_not_rg)}
    copies_rg = _broadcast(buffers_rg, devices, detach=detach)
    copies_not_rg = _broadcast(buffers_not_rg, devices, detach=True)

    modules = list(network.modules())
    module_indices = {id(m): k for k, m in enumerate(modules)}
    replicas = [[_replica_of(m) for m in modules] for _ in devices]

    for k, module in enumerate(modules):
        for key, child in module._modules.items():
            for j in range(len(devices)):
                if child is None:
                    replicas[j][k]._modules[key] = None
                else:
                    setattr(replicas[j][k], key, replicas[j][module_indices[id(child)]])
        for key, param in module._parameters.items():
            for j in range(len(devices)):
                replica = replicas[j][k]
                if param is None:
                    replica._parameters[key] = None
                else:
                    copy = param_copies[j][param_indices[id(param)]]
                    setattr(replica, key, copy)
                    replica._former_parameters[key] = copy
        for key, buf in module._buffers.items():
            for j in range(len(devices)):
                replica = replicas[j][k]
                if buf is None:
                    replica._buffers[key] = None
                elif id(buf) in index_rg:
                    setattr(replica, key, copies_rg[j][index_rg[id(buf)]])
                else:
                    setattr(replica, key, copies_not_rg[j][index_not_rg[id(buf)]])
    return [replicas[j][0] for j in range(len(devices))]
