"""torch.cuda.amp.common."""

from __future__ import annotations

from importlib.util import find_spec

__all__ = ["amp_definitely_not_available"]


def amp_definitely_not_available() -> bool:
    """True when neither a CUDA device nor torch_xla is there to run mixed precision on (torch's test)."""
    from .. import is_available

    return not (is_available() or find_spec("torch_xla"))
