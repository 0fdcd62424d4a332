"""torch.multiprocessing: Python's multiprocessing, plus torch's process launcher (`spawn`, `start_processes`).

Everything of the standard module is re-exported, as torch does. The difference from torch: jaxtorch Tensors
cross process boundaries by value (pickled), never through shared memory, so a tensor a child modifies is not
seen by the parent; the sharing strategy is recorded (torch's API) but there is no shared memory to manage.
"""

import multiprocessing
import sys
from multiprocessing import *  # noqa: F403

from .spawn import (  # noqa: F401
    ENV_VAR_PARALLEL_START,
    ProcessContext,
    ProcessException,
    ProcessExitedException,
    ProcessRaisedException,
    SpawnContext,
    spawn,
    start_processes,
)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies"]
__all__ += multiprocessing.__all__

if sys.platform in ("darwin", "win32"):
    _sharing_strategy = "file_system"
    _all_sharing_strategies = {"file_system"}
else:
    _sharing_strategy = "file_descriptor"
    _all_sharing_strategies = {"file_descriptor", "file_system"}


def set_sharing_strategy(new_strategy: str) -> None:
    """Record the strategy torch would use to share CPU tensors (one of get_all_sharing_strategies()).

    jaxtorch tensors are sent by value, so the choice has no effect beyond what get_sharing_strategy() reports."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, expected one of {_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_sharing_strategy() -> str:
    """The current strategy for sharing CPU tensors."""
    return _sharing_strategy


def get_all_sharing_strategies() -> set:
    """The sharing strategies this platform supports."""
    return _all_sharing_strategies
