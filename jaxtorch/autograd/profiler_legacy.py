"""torch.autograd.profiler_legacy: torch's deprecated legacy autograd profiler (per-op events from its
dispatcher). jaxtorch has no per-op events: `profile` is a stand-in that raises NotImplementedError when
constructed; torch.autograd.profiler.profile / torch.profiler.profile record a JAX trace instead."""

from __future__ import annotations

from .. import _unsupported

__all__ = ["profile"]

profile = _unsupported.cls(
    "torch.autograd.profiler_legacy.profile",
    "jaxtorch records no per-op events; torch.autograd.profiler.profile and torch.profiler.profile record a JAX "
    "trace instead",
)
