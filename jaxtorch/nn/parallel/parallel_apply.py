"""torch.nn.parallel.parallel_apply: run modules[i](*inputs[i], **kwargs_tup[i]) for each replica.

torch runs one thread per replica on its CUDA stream; jaxtorch runs the replicas one after another in the caller's
thread (JAX dispatch is asynchronous, so the device work of successive replicas still overlaps), under the caller's
grad mode. As in torch it needs an accelerator: with none (CPU-only) it raises what torch's CPU build raises.
An exception in a replica is re-raised with the replica and device named, as torch's ExceptionWrapper does.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..._device import device as _device
from ..._tensor import Tensor
from ..modules.module import Module

__all__ = ["get_a_var", "parallel_apply"]


def get_a_var(obj: Any) -> Tensor | None:
    """The first tensor found in `obj` (a tensor, or nested lists/tuples/dicts, dict items included)."""
    if isinstance(obj, Tensor):
        return obj
    if isinstance(obj, (list, tuple)):
        for result in map(get_a_var, obj):
            if isinstance(result, Tensor):
                return result
    if isinstance(obj, dict):
        for result in map(get_a_var, obj.items()):
            if isinstance(result, Tensor):
                return result
    return None


def _accelerator_index(device: Any) -> int | None:
    """torch.cuda's _get_device_index(device, optional=True): an accelerator index, None meaning 'current'."""
    if device is None or isinstance(device, int):
        return device
    d = _device(device)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return d.index


def _reraise(e: BaseException, where: str) -> None:
    msg = f"Caught {type(e).__name__} {where}.\nOriginal {type(e).__name__}: {e}"
    try:
        wrapped = type(e)(msg)
    except Exception:  # noqa: BLE001  (an exception type whose constructor needs other arguments)
        raise e from None
    raise wrapped from e


def parallel_apply(
    modules: Sequence[Module],
    inputs: Sequence[Any],
    kwargs_tup: Sequence[dict] | None = None,
    devices: Sequence[Any] | None = None,
) -> list[Any]:
    """Apply each of `modules` to its entry of `inputs` (a tuple of arguments, or one argument)."""
    from ... import accelerator

    if len(modules) != len(inputs):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of inputs {len(inputs)}")
    if kwargs_tup is not None:
        if len(modules) != len(kwargs_tup):
            raise AssertionError(
                f"The number of modules {len(modules)} is not equal to the number of kwargs_tup {len(kwargs_tup)}"
            )
    else:
        kwargs_tup = ({},) * len(modules)
    if devices is not None:
        if len(modules) != len(devices):
            raise AssertionError(
                f"The number of modules {len(modules)} is not equal to the number of devices {len(devices)}"
            )
    else:
        devices = [None] * len(modules)
    devices = [_accelerator_index(d) for d in devices]
    if devices and not accelerator.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if not accelerator.is_available():
        raise AssertionError("No available accelerator found.")

    outputs = []
    for i, (module, args, kwargs, device) in enumerate(zip(modules, inputs, kwargs_tup, devices)):
        if device is None:
            t = get_a_var(args)
            if t is None:
                raise RuntimeError(
                    f"Caught RuntimeError in replica {i}, no device was provided and no tensor input "
                    "was found; device cannot be resolved."
                )
            device = t.get_device()
        if not isinstance(args, (list, tuple)):
            args = (args,)
        try:
            outputs.append(module(*args, **kwargs))
        except Exception as e:  # noqa: BLE001  (re-raised with the replica named)
            _reraise(e, f"in replica {i} on device {device}")
    return outputs
