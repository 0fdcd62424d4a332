"""torch.cuda.profiler: start/stop the CUDA profiler's capture range (for nsys/nvprof runs that wait for
cudaProfilerStart). jaxtorch does not call the CUDA runtime, so without a GPU these fail as in a CPU-only torch build
(AssertionError) and with one they raise NotImplementedError; for a GPU trace of jaxtorch programs use
torch.profiler (JAX's profiler) or `jax.profiler.start_trace`.
"""

from __future__ import annotations

import contextlib

from . import _lazy_init, check_error, cudart  # noqa: F401  (torch's module exports them too)

__all__ = ["start", "stop", "profile"]

DEFAULT_FLAGS = [
    "gpustarttimestamp",
    "gpuendtimestamp",
    "gridsize3d",
    "threadblocksize",
    "streamid",
    "enableonstart 0",
    "conckerneltrace",
]


def start() -> None:
    """Start the CUDA profiler's data collection."""
    cudart().cudaProfilerStart()


def stop() -> None:
    """Stop the CUDA profiler's data collection."""
    cudart().cudaProfilerStop()


@contextlib.contextmanager
def profile():
    """Collect CUDA profiler data for the duration of a with-block."""
    try:
        start()
        yield
    finally:
        stop()
