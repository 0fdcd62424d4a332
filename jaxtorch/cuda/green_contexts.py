"""torch.cuda.green_contexts: CUDA green contexts (partitions of a GPU's SMs). Not available through JAX, so
SUPPORTED is False and, as in a torch build without them, creating one raises RuntimeError."""

from __future__ import annotations

__all__ = ["GreenContext"]

SUPPORTED = False
_NOT_BUILT = "PyTorch was not built with Green Context support!"


class GreenContext:
    """A CUDA green context (not available; see the module docstring)."""

    @staticmethod
    def create(
        *,
        num_sms: int | None = None,
        workqueue_scope: str | None = None,
        workqueue_concurrency_limit: int | None = None,
        device_id: int | None = None,
    ) -> GreenContext:
        raise RuntimeError(_NOT_BUILT)

    @staticmethod
    def max_workqueue_concurrency(device_id: int | None = None) -> int:
        raise RuntimeError(_NOT_BUILT)

    # Instances cannot exist (create always raises); the methods are here so the class has torch's surface.
    def set_context(self) -> None:
        raise RuntimeError(_NOT_BUILT)

    def pop_context(self) -> None:
        raise RuntimeError(_NOT_BUILT)

    def Stream(self):
        raise RuntimeError(_NOT_BUILT)
