"""torch.nn.parallel.comm: copy tensors between the CUDA devices of one process (broadcast, scatter, gather,
reduce_add), as DataParallel's building blocks.

On JAX a copy to another device is `jax.device_put` (what `Tensor.to('cuda:i')` does), so these are real on the
GPUs JAX sees. As in torch, these are CUDA-device functions: a 'cpu' device is refused (ValueError), CPU inputs to
`reduce_add` are refused (AssertionError), and naming a CUDA device where JAX has no GPU raises the RuntimeError
every 'cuda' tensor creation raises. The results are plain copies, not on the autograd tape (torch's differentiable
versions are `torch.nn.parallel.scatter_gather`'s). `streams` and `buffer_size` only schedule and batch torch's
copies; JAX orders device copies by their data dependencies, so the results do not depend on them.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

from ..._device import device as _device
from ..._tensor import Tensor
from ...autograd import grad_mode

__all__ = ["broadcast", "broadcast_coalesced", "reduce_add", "reduce_add_coalesced", "scatter", "gather"]


def _get_device_index(device: Any, optional: bool = False, allow_cpu: bool = False) -> int:
    """The device index of an int / 'cuda:i' / torch.device (-1 for the CPU where allowed), as torch's
    `torch._utils._get_device_index`."""
    if isinstance(device, str):
        device = _device(device)
    index = None
    if isinstance(device, _device):
        if not allow_cpu and device.type == "cpu":
            raise ValueError(f"Expected a non cpu device, but got: {device}")
        index = -1 if device.type == "cpu" else device.index
    if isinstance(device, int):
        index = device
    if index is None:
        if not optional:
            raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")
        index = _current_index()
    return index


def _current_index() -> int:
    from ... import cuda

    return cuda.current_device() if cuda.is_available() else -1


def _target(index: int) -> _device:
    return _device("cpu") if index == -1 else _device("cuda", index)


def _index_of(t: Tensor) -> int:
    return -1 if t.device.type == "cpu" else (t.device.index or 0)


def _check_cuda(tensors: Sequence[Tensor], what: str) -> None:
    for i, t in enumerate(tensors):
        if t.device.type != "cuda":
            raise RuntimeError(
                f"Expected all {what} tensors to be CUDA tensors, but {what} tensor at index {i} has "
                f"device '{t.device}'"
            )


def _copy_to(t: Tensor, index: int) -> Tensor:
    return t.to(_target(index))


def broadcast(tensor: Tensor, devices: Sequence[Any] | None = None, *, out: Sequence[Tensor] | None = None):
    """Copies of `tensor` on each of `devices` (or into each tensor of `out`)."""
    if not ((devices is None) ^ (out is None)):
        raise RuntimeError(
            f"Exactly one of 'devices' and 'out' must be specified, but got devices={devices} and out={out}"
        )
    if devices is not None:
        indices = [_get_device_index(d) for d in devices]
        with grad_mode.no_grad():
            return tuple(tensor if _index_of(tensor) == i else _copy_to(tensor, i).detach() for i in indices)
    _check_cuda(out, "output")
    with grad_mode.no_grad():
        for o in out:
            if tuple(o.shape) != tuple(tensor.shape):
                raise RuntimeError(
                    f"Expected all output tensors to have same shape as the source tensor "
                    f"{tuple(tensor.shape)}, but output tensor has shape {tuple(o.shape)}"
                )
            o.copy_(_copy_to(tensor, _index_of(o)))
    return tuple(out)


def broadcast_coalesced(tensors: Sequence[Tensor], devices: Sequence[Any], buffer_size: int = 10485760):
    """For each of `devices`, copies of all `tensors` (which must be on `devices[0]`)."""
    indices = [_get_device_index(d) for d in devices]
    for t in tensors:
        if _index_of(t) != indices[0]:
            raise RuntimeError(f"All tensors must be on devices[0]: {indices[0]}")
    with grad_mode.no_grad():
        return [[t if _index_of(t) == i else _copy_to(t, i).detach() for t in tensors] for i in indices]


def reduce_add(inputs: Sequence[Tensor], destination: int | None = None) -> Tensor:
    """The sum of `inputs` (one per CUDA device, all of one shape), placed on `destination`."""
    destination = _get_device_index(destination, optional=True)
    input_size = inputs[0].size()
    root_index = None
    for i, inp in enumerate(inputs):
        if inp.device.type == "cpu":
            raise AssertionError(f"reduce_add expects all inputs to be on GPUs, but input {i} is on CPU")
        if inp.get_device() == destination:
            root_index = i
        if inp.size() != input_size:
            got = "x".join(str(x) for x in inp.size())
            expected = "x".join(str(x) for x in input_size)
            raise ValueError(f"input {i} has invalid size: got {got}, but expected {expected}")
    if root_index is None:
        raise RuntimeError("reduce_add expects destination to be on the same GPU with one of the tensors")
    if len(inputs) == 1:
        return inputs[0]
    with grad_mode.no_grad():
        result = inputs[root_index].clone()
        for i, other in enumerate(inputs):
            if i != root_index:
                result.add_(_copy_to(other, destination))
    return result


def reduce_add_coalesced(
    inputs: Sequence[Sequence[Tensor]], destination: int | None = None, buffer_size: int = 10485760
) -> tuple:
    """reduce_add of each position: `inputs[d][k]` (device d, tensor k) summed over d for each k."""
    return tuple(reduce_add(list(tensor_at_devices), destination) for tensor_at_devices in zip(*inputs))


def scatter(
    tensor: Tensor,
    devices: Sequence[Any] | None = None,
    chunk_sizes: Sequence[int] | None = None,
    dim: int = 0,
    streams: Any = None,
    *,
    out: Sequence[Tensor] | None = None,
) -> tuple:
    """`tensor` split along `dim` (evenly, or by `chunk_sizes`), one chunk on each of `devices` (or into `out`)."""
    if out is None:
        indices = [_get_device_index(d) for d in devices]
        with grad_mode.no_grad():
            return tuple(_copy_to(c, i).detach() for c, i in zip(_split(tensor, indices, chunk_sizes, dim), indices))
    if devices is not None:
        raise RuntimeError(f"'devices' must not be specified when 'out' is specified, but got devices={devices}")
    if chunk_sizes is not None:
        raise RuntimeError(
            f"'chunk_sizes' must not be specified when 'out' is specified, but got chunk_sizes={chunk_sizes}"
        )
    _check_cuda(out, "output")
    sizes = [o.size(dim) for o in out]
    with grad_mode.no_grad():
        for o, c in zip(out, _split(tensor, [_index_of(o) for o in out], sizes, dim)):
            o.copy_(_copy_to(c, _index_of(o)))
    return tuple(out)


def _split(tensor: Tensor, indices: Sequence[int], chunk_sizes: Sequence[int] | None, dim: int) -> tuple:
    if chunk_sizes is None:
        return tuple(tensor.chunk(len(indices), dim))
    if len(chunk_sizes) != len(indices):
        raise RuntimeError(
            f"Expected devices and chunk_sizes to be of same length, but got len(devices) = "
            f"{len(indices)} and len(chunk_sizes) = {len(chunk_sizes)}"
        )
    total = tensor.size(dim)
    if sum(chunk_sizes) != total:
        raise RuntimeError(f"Chunk sizes should sum up to {total}, but they sum up to {sum(chunk_sizes)}")
    return tuple(tensor.split(list(chunk_sizes), dim))


def gather(tensors: Sequence[Tensor], dim: int = 0, destination: Any = None, *, out: Tensor | None = None) -> Tensor:
    """`tensors` (one per CUDA device) concatenated along `dim` on `destination` (a CUDA device, or 'cpu' / -1),
    or into `out`."""
    tensors = list(tensors)
    if out is not None and destination is not None:
        raise RuntimeError(
            f"'destination' must not be specified when 'out' is specified, but got destination={destination}"
        )
    if out is None and destination == -1:
        warnings.warn(
            "Using -1 to represent CPU tensor is deprecated. Please use a device object or string "
            'instead, e.g., "cpu".',
            FutureWarning,
            stacklevel=2,
        )
    if not tensors:
        raise RuntimeError("Expected at least one tensor to gather from")
    _check_cuda(tensors, "input")
    index = _index_of(out) if out is not None else _get_device_index(destination, allow_cpu=True, optional=True)
    with grad_mode.no_grad():
        from ..._ops.shape import cat

        result = cat([_copy_to(t, index) for t in tensors], dim).detach()
        if out is None:
            return result
        out.copy_(result)
    return out
