"""torch.fx.passes: graph passes over FX GraphModules (only the pass infrastructure's base types are here)."""

from . import infra  # noqa: F401
