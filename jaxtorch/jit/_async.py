"""torch.jit.fork / torch.jit.wait and the Future they return.

Outside TorchScript, torch runs a forked function synchronously in the caller and hands back an already completed
future; jaxtorch does the same (JAX dispatch is already asynchronous, so nothing is lost by not using a thread).
"""

from __future__ import annotations

from typing import Any, Callable

from ..futures import Future as _Future
from ._state import warn_deprecated

__all__ = ["Future", "fork", "wait"]


class Future(_Future):
    """torch.jit.Future: torch.futures.Future under its TorchScript name."""


def fork(func: Callable, *args: Any, **kwargs: Any) -> Future:
    """Run `func(*args, **kwargs)` now and return a completed Future holding its result (torch's eager behaviour:
    an exception propagates from `fork` itself)."""
    warn_deprecated("torch.jit.fork", "Please use `torch.compile` instead.")
    fut = Future()
    fut.set_result(func(*args, **kwargs))
    return fut


def wait(future: Future) -> Any:
    warn_deprecated("torch.jit.wait", "Please use `torch.compile` instead.")
    return future.wait()
