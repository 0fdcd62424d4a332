"""torch.backends.opt_einsum: how torch.einsum orders the contractions of more than two operands.

jaxtorch's einsum is `jnp.einsum`, which always plans its contraction path with the opt_einsum package (a dependency
of JAX) using the "auto" strategy. So `is_available()` is True, `enabled` is True and `strategy` is "auto" -- the
values torch has with opt_einsum installed -- and that is the one setting jaxtorch can honour: turning `enabled`
off (left-to-right contraction) or choosing another strategy raises NotImplementedError rather than being ignored.
The checks torch makes first (ValueError for an unknown strategy) are the same.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ... import _shim, _unsupported
from .. import ContextProp, _allow_nonbracketed_mutation, _give_props

__all__ = ["is_available", "get_opt_einsum", "flags", "set_flags"]

try:
    import opt_einsum as _opt_einsum
except ImportError:  # JAX depends on it, but keep the answer truthful if it is missing
    _opt_einsum = None

_state = {"enabled": _opt_einsum is not None, "strategy": "auto" if _opt_einsum is not None else None}
_WHY = "jaxtorch's einsum is jnp.einsum, which always plans contractions with opt_einsum's 'auto' strategy"


def is_available() -> bool:
    """Whether the opt_einsum package is importable (it comes with JAX)."""
    return _opt_einsum is not None


def get_opt_einsum() -> Any:
    """The opt_einsum package, or None when it is not installed."""
    return _opt_einsum


def _set_enabled(enabled: bool) -> None:
    if not is_available() and enabled:
        raise ValueError(
            f"opt_einsum is not available, so setting `enabled` to {enabled} will not reap the benefits "
            "of calculating an optimal path for einsum. Please install opt-einsum."
        )
    if not enabled:
        raise NotImplementedError(_unsupported.message("torch.backends.opt_einsum.enabled = False", _WHY))
    _state["enabled"] = bool(enabled)


def _set_strategy(strategy: str) -> None:
    if not is_available():
        raise ValueError(
            f"opt_einsum is not available, so setting `strategy` to {strategy} will not be meaningful. "
            "Please install opt_einsum or unset `strategy`."
        )
    if not _state["enabled"]:
        raise ValueError(
            f"opt_einsum is not enabled, so setting a `strategy` to {strategy} will not be meaningful. "
            "Please set `enabled` to `True` as well or unset `strategy`."
        )
    if strategy not in ("auto", "greedy", "optimal"):
        raise ValueError(f"`strategy` must be one of the following: [auto, greedy, optimal] but is {strategy}")
    if strategy != "auto":
        raise NotImplementedError(_unsupported.message(f"torch.backends.opt_einsum.strategy = {strategy!r}", _WHY))
    _state["strategy"] = strategy


def set_flags(_enabled=None, _strategy=None) -> tuple:
    orig_flags = (_state["enabled"], _state["strategy"] if is_available() else None)
    if _enabled is not None:
        _set_enabled(_enabled)
    if _strategy is not None:
        _set_strategy(_strategy)
    return orig_flags


@contextlib.contextmanager
def flags(enabled=None, strategy=None):
    with _allow_nonbracketed_mutation():
        orig_flags = set_flags(enabled, strategy)
    try:
        yield
    finally:
        with _allow_nonbracketed_mutation():
            set_flags(*orig_flags)


__getattr__ = _shim._make_getattr(__name__)

_give_props(
    __name__,
    "OptEinsumModule",
    {
        "enabled": ContextProp(lambda: _state["enabled"], _set_enabled),
        "strategy": ContextProp(lambda: _state["strategy"], _set_strategy),
    },
)
