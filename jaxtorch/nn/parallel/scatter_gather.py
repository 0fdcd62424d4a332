"""torch.nn.parallel.scatter_gather: split nested inputs across devices and gather nested outputs back, on the
autograd tape (the gradient of a scatter is a gather and vice versa, as with torch's Scatter/Gather Functions).

Tensors go to CUDA devices only, as in torch: a 'cpu' target is refused (ValueError), gathering CPU tensors is
refused (AssertionError), and a CUDA target where JAX has no GPU raises RuntimeError. Non-tensor leaves are
repeated for every device and containers are rebuilt exactly as torch does.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

from ..._tensor import Tensor
from .comm import _check_cuda, _copy_to, _get_device_index, _split

__all__ = ["scatter", "scatter_kwargs", "gather"]


def _is_namedtuple(obj: Any) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_asdict") and hasattr(obj, "_fields")


def _scatter_tensor(target_gpus: Sequence[Any], chunk_sizes: Sequence[int] | None, dim: int, tensor: Tensor) -> tuple:
    indices = [_get_device_index(x, True) for x in target_gpus]
    _check_cuda_targets(indices)
    return tuple(_copy_to(c, i) for c, i in zip(_split(tensor, indices, chunk_sizes, dim), indices))


def _check_cuda_targets(indices: Sequence[int]) -> None:
    # an index of -1 (the CPU, reachable through allow_cpu elsewhere) is no scatter target in torch either
    for i in indices:
        if i < 0:
            raise ValueError(f"Expected a non cpu device, but got: {i}")


def scatter(inputs: Any, target_gpus: Sequence[Any], dim: int = 0) -> Any:
    """Slice the tensors of `inputs` (a tensor or nested tuples/lists/dicts/namedtuples) into one piece per target
    device; returns a list with one copy of the structure per device."""

    def scatter_map(obj: Any) -> Any:
        if isinstance(obj, Tensor):
            return _scatter_tensor(target_gpus, None, dim, obj)
        if _is_namedtuple(obj):
            return [type(obj)(*args) for args in zip(*map(scatter_map, obj))]
        if isinstance(obj, tuple) and len(obj) > 0:
            return list(zip(*map(scatter_map, obj)))
        if isinstance(obj, list) and len(obj) > 0:
            return [list(i) for i in zip(*map(scatter_map, obj))]
        if isinstance(obj, dict) and len(obj) > 0:
            return [type(obj)(i) for i in zip(*map(scatter_map, obj.items()))]
        return [obj for _ in target_gpus]

    return scatter_map(inputs)


def scatter_kwargs(
    inputs: tuple, kwargs: dict[str, Any] | None, target_gpus: Sequence[Any], dim: int = 0
) -> tuple[tuple, tuple]:
    """scatter for positional and keyword arguments together; the shorter list is padded with () / {}."""
    scattered_inputs = scatter(inputs, target_gpus, dim) if inputs else []
    scattered_kwargs = scatter(kwargs, target_gpus, dim) if kwargs else []
    if len(scattered_inputs) < len(scattered_kwargs):
        scattered_inputs.extend(() for _ in range(len(scattered_kwargs) - len(scattered_inputs)))
    elif len(scattered_kwargs) < len(inputs):
        scattered_kwargs.extend({} for _ in range(len(scattered_inputs) - len(scattered_kwargs)))
    return tuple(scattered_inputs), tuple(scattered_kwargs)


def _gather_tensors(target_device: Any, dim: int, tensors: Sequence[Tensor]) -> Tensor:
    from ..._ops.shape import cat

    if not all(t.device.type != "cpu" for t in tensors):
        raise AssertionError("Gather function not implemented for CPU tensors")
    index = -1 if target_device == "cpu" else _get_device_index(target_device, True)
    tensors = list(tensors)
    if all(t.dim() == 0 for t in tensors) and dim == 0:
        tensors = [t.view(1) for t in tensors]
        warnings.warn(
            "Was asked to gather along dimension 0, but all input tensors were scalars; will instead "
            "unsqueeze and return a vector.",
            stacklevel=2,
        )
    _check_cuda(tensors, "input")
    return cat([_copy_to(t, index) for t in tensors], dim)


def gather(outputs: Any, target_device: Any, dim: int = 0) -> Any:
    """Concatenate the per-device `outputs` (same nested structure on each) along `dim` on `target_device`."""

    def gather_map(outputs: Any) -> Any:
        out = outputs[0]
        if isinstance(out, Tensor):
            return _gather_tensors(target_device, dim, outputs)
        if out is None:
            return None
        if isinstance(out, dict):
            if not all(len(out) == len(d) for d in outputs):
                raise ValueError("All dicts must have the same number of keys")
            return type(out)((k, gather_map([d[k] for d in outputs])) for k in out)
        if _is_namedtuple(out):
            return type(out)._make(map(gather_map, zip(*outputs)))
        return type(out)(map(gather_map, zip(*outputs)))

    return gather_map(outputs)
