"""torch.mtia.memory: MTIA memory statistics (never available in jaxtorch; see torch.mtia)."""

from . import is_initialized, max_memory_allocated, memory_allocated, memory_stats, reset_peak_memory_stats  # noqa: F401

__all__ = ["memory_stats", "max_memory_allocated", "memory_allocated", "reset_peak_memory_stats"]
