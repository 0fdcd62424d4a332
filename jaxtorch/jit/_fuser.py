"""TorchScript fuser settings: kept as values (jaxtorch's programs are fused by XLA, not by these fusers)."""

from __future__ import annotations

import contextlib
from typing import Iterator

from ._state import warn_deprecated

__all__ = ["fuser", "optimized_execution", "set_fusion_strategy"]

_FUSERS = ("fuser0", "fuser1", "fuser2", "fuser3", "none")
_strategy: list[tuple[str, int]] = [("STATIC", 2), ("DYNAMIC", 10)]


@contextlib.contextmanager
def optimized_execution(should_optimize: bool) -> Iterator[None]:
    yield


@contextlib.contextmanager
def fuser(name: str) -> Iterator[None]:
    if name not in _FUSERS:
        raise Exception(f"unrecognized fuser option (name: {name})")  # torch raises a bare Exception here
    yield


def set_fusion_strategy(strategy: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Store the (kind, depth) specialisation list and return the previous one, as torch does."""
    global _strategy
    warn_deprecated("torch.jit.set_fusion_strategy", "Please use `torch.compile` instead.")
    if isinstance(strategy, (str, bytes)) or not all(
        isinstance(entry, tuple)
        and len(entry) == 2
        and isinstance(entry[0], str)
        and isinstance(entry[1], int)
        and not isinstance(entry[1], bool)
        for entry in strategy
    ):
        raise TypeError(f"set_fusion_strategy expects a list of (str, int) tuples, got {strategy!r}")
    for kind, _ in strategy:
        if kind not in ("STATIC", "DYNAMIC"):
            raise ValueError(f"FusionBehavior only supported 'STATIC' or 'DYNAMIC', got: {kind}")
    previous, _strategy = _strategy, [tuple(entry) for entry in strategy]
    return previous
