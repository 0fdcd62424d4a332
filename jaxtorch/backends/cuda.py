"""torch.backends.cuda: `matmul.allow_tf32` (tied to the float32 matmul precision, as in torch) and flags that
are accepted but have no effect on XLA (`matmul.allow_fp16/bf16_reduced_precision_reduction`)."""

from __future__ import annotations

from .. import _shim

__all__ = ["is_built", "matmul"]


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
