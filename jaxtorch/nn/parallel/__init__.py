"""torch.nn.parallel: DistributedDataParallel and DataParallel, and DataParallel's building blocks."""

from .data_parallel import DataParallel  # noqa: F401
from .distributed import DistributedDataParallel  # noqa: F401
from .parallel_apply import parallel_apply  # noqa: F401
from .replicate import replicate  # noqa: F401
from .scatter_gather import gather, scatter  # noqa: F401

__all__ = ["DataParallel", "DistributedDataParallel", "replicate", "scatter", "parallel_apply", "gather"]
