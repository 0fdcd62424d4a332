"""torch.cuda.comm: copy tensors between GPUs (broadcast, scatter, gather, reduce_add), written with jaxtorch's own
device moves (`Tensor.to`), which JAX carries out as device-to-device transfers.

torch coalesces small tensors into buffers of `buffer_size` bytes to save synchronisations; JAX schedules its
transfers itself, so `buffer_size` is accepted and changes nothing but speed. `streams` likewise (JAX picks the
streams). Without a GPU every call that targets a CUDA device raises torch's AssertionError("Torch not compiled with
CUDA enabled"); `gather(..., destination=-1)` (to the CPU) works anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import _index, _lazy_init

__all__ = ["broadcast", "broadcast_coalesced", "reduce_add", "reduce_add_coalesced", "scatter", "gather"]


def _cuda(index: int):
    from .._device import device

    return device("cuda", index)


def _device_indices(devices) -> list[int]:
    _lazy_init()
    return [_index(d) for d in devices]


def broadcast(tensor, devices=None, *, out=None) -> tuple:
    """Copies of `tensor` on each of `devices`, or copied into each tensor of `out` (exactly one of the two)."""
    if not ((devices is None) ^ (out is None)):
        raise RuntimeError(
            f"Exactly one of 'devices' and 'out' must be specified, but got devices={devices} and out={out}"
        )
    if devices is not None:
        return tuple(tensor.to(_cuda(i)) for i in _device_indices(devices))
    _lazy_init()
    for o in out:
        o.copy_(tensor)
    return tuple(out)


def broadcast_coalesced(tensors: Sequence, devices, buffer_size: int = 10485760) -> tuple:
    """For each device, copies of all `tensors` on it."""
    indices = _device_indices(devices)
    return tuple([t.to(_cuda(i)) for t in tensors] for i in indices)


def reduce_add(inputs: Sequence, destination=None):
    """The elementwise sum of tensors that live on different GPUs, placed on `destination` (default: the current
    device), which must hold one of them."""
    destination = _index(destination)
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
    result = inputs[root_index].clone()
    for i, other in enumerate(inputs):
        if i != root_index:
            result.add_(other.to(result.device))
    return result


def reduce_add_coalesced(inputs: Sequence, destination=None, buffer_size: int = 10485760) -> tuple:
    """reduce_add for each position: `inputs[g][k]` are the k-th tensors of GPU g; returns the K sums."""
    return tuple(reduce_add(list(group), destination) for group in zip(*inputs, strict=True))


def scatter(tensor, devices=None, chunk_sizes=None, dim: int = 0, streams=None, *, out=None) -> tuple:
    """Split `tensor` along `dim` and place one chunk on each device (or copy the chunks into `out`)."""
    if out is None:
        if devices is None:
            raise RuntimeError(
                "Exactly one of 'devices' and 'out' must be specified, but got devices=None and out=None"
            )
        indices = _device_indices(devices)
        if chunk_sizes is None:
            chunks = tensor.chunk(len(indices), dim)
        else:
            if len(chunk_sizes) != len(indices):
                raise RuntimeError(
                    f"Expected devices and chunk_sizes to be of same length, but got len(devices) = "
                    f"{len(indices)} and len(chunk_sizes) = {len(chunk_sizes)}"
                )
            chunks = tensor.split(list(chunk_sizes), dim)
        return tuple(c.contiguous().to(_cuda(i)) for c, i in zip(chunks, indices, strict=True))
    if devices is not None:
        raise RuntimeError(f"'devices' must not be specified when 'out' is specified, but got devices={devices}")
    if chunk_sizes is not None:
        raise RuntimeError(
            f"'chunk_sizes' must not be specified when 'out' is specified, but got chunk_sizes={chunk_sizes}"
        )
    _lazy_init()
    chunks = tensor.split([o.size(dim) for o in out], dim)
    for o, c in zip(out, chunks, strict=True):
        o.copy_(c)
    return tuple(out)


def gather(tensors: Sequence, dim: int = 0, destination=None, *, out=None):
    """Concatenate tensors from several devices along `dim` onto `destination` (a CUDA device, default the current
    one; -1 or 'cpu' means the CPU), or into `out`."""
    from .. import cat

    if out is not None:
        if destination is not None:
            raise RuntimeError(
                f"'destination' must not be specified when 'out' is specified, but got destination={destination}"
            )
        out.copy_(cat([t.to(out.device) for t in tensors], dim))
        return out
    if destination == -1 or destination == "cpu" or getattr(destination, "type", None) == "cpu":
        from .._device import device

        target = device("cpu")
    else:
        _lazy_init()
        target = _cuda(_index(destination))
    return cat([t.to(target) for t in tensors], dim)
