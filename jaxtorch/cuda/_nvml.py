"""NVIDIA-driver queries torch.cuda answers through NVML (`nvidia-ml-py`): utilization, temperature, power draw,
clock rate, device memory in use, the processes on a GPU. XLA does not report these, so jaxtorch asks NVML exactly
as torch does; without the `pynvml` module the same ModuleNotFoundError (or, for list_gpu_processes, the same
message string) comes back as from torch.
"""

from __future__ import annotations

import os

__all__ = [
    "utilization",
    "temperature",
    "power_draw",
    "clock_rate",
    "device_memory_used",
    "memory_usage",
    "list_gpu_processes",
]

_MISSING = "nvidia-ml-py does not seem to be installed or it can't be imported."


def _pynvml():
    try:
        import pynvml
    except ModuleNotFoundError as e:
        raise ModuleNotFoundError(_MISSING) from e
    return pynvml


def _nvml_index(device) -> int:
    """The NVML index of a CUDA device index, going through CUDA_VISIBLE_DEVICES when it lists ordinals."""
    from . import _index

    idx = _index(device)
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return idx
    ordinals = []
    for item in visible.split(","):
        item = item.strip()
        if not item.lstrip("-").isdigit():
            raise RuntimeError(
                f"jaxtorch: CUDA_VISIBLE_DEVICES={visible!r} lists device UUIDs, which jaxtorch does "
                "not map to NVML indices; use ordinals"
            )
        if int(item) < 0:
            break
        ordinals.append(int(item))
    if not 0 <= idx < len(ordinals):
        raise RuntimeError(f"device {idx} is not visible (CUDA_VISIBLE_DEVICES={ordinals})")
    return ordinals[idx]


def _handle(device):
    pynvml = _pynvml()
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError_DriverNotLoaded as e:
        raise RuntimeError("cuda driver can't be loaded, is cuda enabled?") from e
    return pynvml, pynvml.nvmlDeviceGetHandleByIndex(_nvml_index(device))


def utilization(device=None) -> int:
    """Percent of the last sample period during which a kernel ran on the GPU (as nvidia-smi reports)."""
    pynvml, handle = _handle(device)
    return pynvml.nvmlDeviceGetUtilizationRates(handle).gpu


def memory_usage(device=None) -> int:
    """Percent of the last sample period during which device memory was read or written (as nvidia-smi reports)."""
    pynvml, handle = _handle(device)
    return pynvml.nvmlDeviceGetUtilizationRates(handle).memory


def temperature(device=None) -> int:
    """GPU sensor temperature in degrees Celsius."""
    pynvml, handle = _handle(device)
    return pynvml.nvmlDeviceGetTemperature(handle, 0)  # 0: the GPU die sensor


def power_draw(device=None) -> int:
    """Power draw of the GPU in milliwatts."""
    pynvml, handle = _handle(device)
    return pynvml.nvmlDeviceGetPowerUsage(handle)


def clock_rate(device=None) -> int:
    """The SM clock in MHz."""
    pynvml, handle = _handle(device)
    return pynvml.nvmlDeviceGetClockInfo(handle, 1)  # 1: NVML_CLOCK_SM


def device_memory_used(device=None) -> int:
    """Bytes of device memory in use by all processes, as the driver reports it."""
    pynvml, handle = _handle(device)
    return pynvml.nvmlDeviceGetMemoryInfo(handle).used


def list_gpu_processes(device=None) -> str:
    """A printout of the processes running on the GPU and the device memory each uses."""
    try:
        import pynvml
    except ModuleNotFoundError:
        return "pynvml module not found, please install nvidia-ml-py"
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError_DriverNotLoaded:
        return "cuda driver can't be loaded, is cuda enabled?"
    index = _nvml_index(device)
    procs = pynvml.nvmlDeviceGetComputeRunningProcesses(pynvml.nvmlDeviceGetHandleByIndex(index))
    lines = [f"GPU:{index}"]
    if not procs:
        lines.append("no processes are running")
    for p in procs:
        lines.append(f"process {p.pid:>10d} uses {p.usedGpuMemory / (1024 * 1024):>12.3f} MB GPU memory")
    return "\n".join(lines)
