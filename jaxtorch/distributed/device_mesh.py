"""`torch.distributed.device_mesh`: importable, not implemented yet (DeviceMesh will map onto jax.sharding.Mesh)."""

from __future__ import annotations

from .. import _unsupported

__all__ = ["init_device_mesh", "DeviceMesh"]

_WHY = "device meshes are not implemented yet; DistributedDataParallel is"

DeviceMesh = _unsupported.cls("torch.distributed.device_mesh.DeviceMesh", _WHY)
init_device_mesh = _unsupported.function("torch.distributed.device_mesh.init_device_mesh", _WHY)
