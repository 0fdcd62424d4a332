"""torch.cuda.nvtx: annotations for GPU profiles. With a GPU they become JAX profiler trace annotations (they show
in JAX/XProf traces, which is where jaxtorch's GPU work is profiled); without one they fail as in torch's CPU build."""

from __future__ import annotations

import contextlib

__all__ = ["range_push", "range_pop", "range_start", "range_end", "mark", "range"]

_stack: list = []
_started: dict = {}


def _require() -> None:
    from .. import cuda

    if not cuda.is_available():
        raise RuntimeError("NVTX functions not installed. Are you sure you have a CUDA build?")


def range_push(msg: str) -> int:
    """Open a nested range; returns its depth (zero-based), as torch does."""
    _require()
    import jax

    annotation = jax.profiler.TraceAnnotation(msg)
    annotation.__enter__()
    _stack.append(annotation)
    return len(_stack) - 1


def range_pop() -> int:
    _require()
    if not _stack:
        return -1
    _stack.pop().__exit__(None, None, None)
    return len(_stack)


def range_start(msg: str) -> int:
    _require()
    import jax

    annotation = jax.profiler.TraceAnnotation(msg)
    annotation.__enter__()
    handle = id(annotation)
    _started[handle] = annotation
    return handle


def range_end(range_id: int) -> None:
    _require()
    annotation = _started.pop(range_id, None)
    if annotation is not None:
        annotation.__exit__(None, None, None)


def mark(msg: str) -> None:
    _require()
    import jax

    with jax.profiler.TraceAnnotation(msg):
        pass


@contextlib.contextmanager
def range(msg: str, *args, **kwargs):
    range_push(msg.format(*args, **kwargs))
    try:
        yield
    finally:
        range_pop()
