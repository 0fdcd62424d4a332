"""torch.fx.passes.infra: the pass base types."""

from . import pass_base  # noqa: F401
