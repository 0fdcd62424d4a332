"""How objects outside the compiler take part in `torch.compile` (explicit protocols, not duck typing).

- `PreparesState`: an object that creates state lazily on its first use (an optimizer's moments, a
  GradScaler's scale) can create it up front, with the values that first use would start from, so the
  first compiled program already reads it as input and stays the program every later call uses.
- `SyncsHyperParameters`: an object whose Python-level settings feed a compiled step as tensor cells (an
  optimizer's lr, betas, ...): `_compile_presync` copies values set in Python since the last call into the
  cells before each call, and `_compile_guard` returns the structural switches a traced program bakes in
  (maximize, weight decay on or off, ...), which are part of the program cache key.

The observer (`_observe.py`) hears of an object through `note_presync(obj)` / `note_object(obj)` while a
trace runs; everything else is found by `_discovery.py`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class PreparesState(Protocol):
    def _compile_prepare(self, slots: list) -> list | None:
        """Create the state for `slots` ((container, key) pairs the first use would fill) and return the new
        tensors; None when the first use is not a later use from that state (it then runs eagerly once)."""


@runtime_checkable
class SyncsHyperParameters(Protocol):
    def _compile_presync(self) -> None:
        """Copy hyper-parameters set in Python since the last call into their tensor cells."""

    def _compile_guard(self) -> tuple:
        """The structural switches a traced program depends on (part of the cache key)."""
