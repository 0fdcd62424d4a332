"""torch.profiler.itt: Intel ITT (VTune) ranges and marks. jaxtorch is not built with ITT, so it behaves as a torch
build without it: `is_available()` is False and pushing/popping ranges or marking raises torch's RuntimeError.
For named ranges in a profile of jaxtorch programs use torch.profiler.record_function (JAX's trace annotations).
"""

from __future__ import annotations

import contextlib
from typing import NoReturn

__all__ = ["is_available", "range_push", "range_pop", "mark", "range"]

_NOT_BUILT = "ITT functions not installed. Are you sure you have a ITT build?"


def is_available() -> bool:
    """Whether ITT is available: never in jaxtorch."""
    return False


def range_push(msg: str) -> NoReturn:
    """Push a range onto the ITT range stack."""
    raise RuntimeError(_NOT_BUILT)


def range_pop() -> NoReturn:
    """Pop a range off the ITT range stack."""
    raise RuntimeError(_NOT_BUILT)


def mark(msg: str) -> NoReturn:
    """Mark an instantaneous ITT event."""
    raise RuntimeError(_NOT_BUILT)


@contextlib.contextmanager
def range(msg: str, *args, **kwargs):
    """Push an ITT range (msg.format(*args, **kwargs)) for the duration of a with-block."""
    range_push(msg.format(*args, **kwargs))
    try:
        yield
    finally:
        range_pop()
