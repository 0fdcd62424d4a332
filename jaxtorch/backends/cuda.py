"""torch.backends.cuda: `matmul.allow_tf32` (tied to the float32 matmul precision, as in torch), the
scaled-dot-product-attention backend switches, and flags that are accepted but have no effect on XLA
(`matmul.allow_fp16/bf16_reduced_precision_reduction`).

SDPA backends: `enable_cudnn_sdp(True)` lets `F.scaled_dot_product_attention` run as cuDNN's fused
attention on an NVIDIA GPU (`jax.nn.dot_product_attention(implementation="cudnn")`) for the cases cuDNN
takes (float16/bfloat16, no explicit mask, no dropout, head dim a multiple of 8 up to 128). It is OFF
by default in jaxtorch (torch's default is on) until it has been measured and checked on a GPU; the
flash / memory-efficient / math switches are recorded and reported but choose nothing: XLA's own
lowering is the "math" path.
"""

from __future__ import annotations

from .. import _shim

__all__ = ["is_built", "matmul", "enable_cudnn_sdp", "cudnn_sdp_enabled", "enable_flash_sdp", "flash_sdp_enabled",
           "enable_mem_efficient_sdp", "mem_efficient_sdp_enabled", "enable_math_sdp", "math_sdp_enabled"]

_sdp = {"cudnn": False, "flash": True, "mem_efficient": True, "math": True}


def _sdp_switch(name: str):
    """torch's `enable_<name>_sdp(enabled)` / `<name>_sdp_enabled()` pair over one entry of `_sdp`."""

    def enable(enabled: bool) -> None:
        _sdp[name] = bool(enabled)

    def enabled() -> bool:
        return _sdp[name]

    enable.__name__, enabled.__name__ = f"enable_{name}_sdp", f"{name}_sdp_enabled"
    return enable, enabled


enable_cudnn_sdp, cudnn_sdp_enabled = _sdp_switch("cudnn")
enable_flash_sdp, flash_sdp_enabled = _sdp_switch("flash")
enable_mem_efficient_sdp, mem_efficient_sdp_enabled = _sdp_switch("mem_efficient")
enable_math_sdp, math_sdp_enabled = _sdp_switch("math")


def is_built() -> bool:
    """True when JAX has a GPU backend (jaxtorch's notion of 'built with CUDA')."""
    from .. import cuda

    return cuda.is_available()


class _MatmulFlags:
    """torch.backends.cuda.matmul."""

    allow_fp16_reduced_precision_reduction = True  # accepted, no effect
    allow_bf16_reduced_precision_reduction = True  # accepted, no effect

    @property
    def allow_tf32(self) -> bool:
        from .._device_api import get_float32_matmul_precision

        return get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        from .._device_api import set_float32_matmul_precision

        set_float32_matmul_precision("high" if value else "highest")


matmul = _MatmulFlags()

__getattr__ = _shim._make_getattr(__name__)
