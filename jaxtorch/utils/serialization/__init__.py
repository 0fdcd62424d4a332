"""torch.utils.serialization: settings torch.save / torch.load read (`config`)."""

from . import config  # noqa: F401
