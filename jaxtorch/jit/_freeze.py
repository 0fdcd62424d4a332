"""torch.jit.freeze / optimize_for_inference: TorchScript graph passes; jaxtorch returns the module itself.

Freezing inlines parameters as constants of a TorchScript graph so the graph optimiser can fold them. With no
TorchScript graph there is nothing to fold: both functions keep torch's checks and warnings and return the module
(in eval mode), which computes the same results. `torch.compile` is the way to an optimised XLA program.
"""

from __future__ import annotations

from ..nn.modules.module import Module
from ._state import warn_deprecated

__all__ = ["freeze", "optimize_for_inference", "run_frozen_optimizations"]


def _check_module(mod: object, what: str) -> None:
    if not isinstance(mod, Module):
        raise RuntimeError(
            f"{what} expects a ScriptModule as input. "
            "Please use torch.jit.script or torch.jit.trace to script your 'nn.Module'."
        )


def freeze(mod: Module, preserved_attrs: list[str] | None = None, optimize_numerics: bool = True) -> Module:
    warn_deprecated("torch.jit.freeze", "Please use `torch.compile` instead.")
    _check_module(mod, "Freezing")
    if mod.training:
        raise RuntimeError(
            "Freezing is currently only implemented for modules in eval mode. "
            "Please call .eval() on your module before freezing."
        )
    return mod


def run_frozen_optimizations(
    mod: Module, optimize_numerics: bool = True, preserved_methods: list[str] | None = None
) -> None:
    """In-place graph rewrites of a frozen module in torch; nothing to rewrite here."""


def optimize_for_inference(mod: Module, other_methods: list[str] | None = None) -> Module:
    warn_deprecated("torch.jit.optimize_for_inference", "Please use `torch.compile` instead.")
    _check_module(mod, "optimize_for_inference")
    return freeze(mod.eval(), preserved_attrs=other_methods)
