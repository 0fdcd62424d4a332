"""torch.backends.mha: the switch for the "fast path" of nn.MultiheadAttention / nn.TransformerEncoder inference.

The flag is real state that `get_fastpath_enabled` reports. jaxtorch's attention modules always run the same XLA
program whatever its value (there is no separate fused kernel to switch to); the fast path and the ordinary path
compute the same values, so no result depends on it.
"""

from __future__ import annotations

from ... import _shim

__all__ = ["get_fastpath_enabled", "set_fastpath_enabled"]

_is_fastpath_enabled: bool = True


def get_fastpath_enabled() -> bool:
    """Whether the fast path of TransformerEncoder and MultiheadAttention is enabled (True when scripting)."""
    from ... import jit

    if jit.is_scripting():
        return True
    return _is_fastpath_enabled


def set_fastpath_enabled(value: bool) -> None:
    global _is_fastpath_enabled
    _is_fastpath_enabled = value


__getattr__ = _shim._make_getattr(__name__)
