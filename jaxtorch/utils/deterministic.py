"""torch.utils.deterministic: `fill_uninitialized_memory`, whether torch fills the memory of `torch.empty` & co.
with a known value (NaN, or the largest integer) while `torch.use_deterministic_algorithms(True)` is on.

The flag is kept and read back as in torch (default True; only a bool is accepted). jaxtorch never hands out
uninitialised memory: XLA buffers always hold values, and `empty()` gives zeros whatever the flag says -- a known
value, though not torch's NaN.
"""

from __future__ import annotations

import sys
import types

_state = {"fill_uninitialized_memory": True}


class _Deterministic(types.ModuleType):
    @property
    def fill_uninitialized_memory(self) -> bool:
        """Whether uninitialised memory is filled with a known value under deterministic algorithms."""
        return _state["fill_uninitialized_memory"]

    @fill_uninitialized_memory.setter
    def fill_uninitialized_memory(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise RuntimeError(f"expected a bool, but got {type(mode).__name__}")
        _state["fill_uninitialized_memory"] = mode


sys.modules[__name__].__class__ = _Deterministic
