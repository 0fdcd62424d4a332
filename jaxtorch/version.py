"""`torch.version`: the torch API level jaxtorch implements, and what it was built with.

`__version__` is a torch-style version string, `2.13.0+jaxtorch.<jaxtorch version>` (`torch.__version__` is the same
text as a `torch.torch_version.TorchVersion`, which compares as a version): code that compares `torch.__version__`
(or `importlib.metadata.version("torch")` under the shim) with a minimum torch release sees the torch API level
jaxtorch implements; the local label names jaxtorch and its own version. `cuda` is the CUDA version of JAX's GPU
backend when JAX has one (computed on first read: it needs the backend), else None, as in a CPU-only torch build.
jaxtorch is never built for ROCm/HIP or XPU.
"""

from __future__ import annotations

__all__ = ["__version__", "debug", "cuda", "git_version", "hip", "rocm", "xpu"]  # noqa: F822 (cuda: lazy)

#: jaxtorch's own release (also `importlib.metadata.version("jaxtorch")`)
jaxtorch_version = "0.1.0"
#: the torch release whose Python API jaxtorch implements
torch_api_version = "2.13.0"
#: the torchvision release paired with that torch release
torchvision_api_version = "0.28.0"

__version__ = f"{torch_api_version}+jaxtorch.{jaxtorch_version}"
torchvision_version = f"{torchvision_api_version}+jaxtorch.{jaxtorch_version}"
debug = False
git_version = f"jaxtorch-{jaxtorch_version}"
hip: str | None = None
rocm: str | None = None
xpu: str | None = None


def _cuda_version() -> str | None:
    from . import cuda as _cuda

    if not _cuda.is_available():
        return None
    try:  # the CUDA runtime JAX's GPU plugin loaded, e.g. 12080 -> "12.8"
        from jax._src.lib import cuda_versions

        v = int(cuda_versions.cuda_runtime_get_version())
        return f"{v // 1000}.{(v % 1000) // 10}"
    except Exception:  # noqa: BLE001 - plugin layouts differ across jax releases
        import re

        import jax

        text = getattr(jax.devices("gpu")[0].client, "platform_version", "") or ""
        m = re.search(r"(\d{2})(\d)\d\b", text)  # e.g. "cuda 12030"
        return f"{int(m.group(1))}.{int(m.group(2))}" if m else None


def __getattr__(name: str):
    if name == "cuda":
        value = _cuda_version()
        globals()["cuda"] = value  # computed once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
