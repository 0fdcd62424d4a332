"""torch.mps.event: Metal events (never available in jaxtorch; see torch.mps)."""

from . import Event  # noqa: F401
