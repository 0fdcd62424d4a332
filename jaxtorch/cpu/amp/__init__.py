"""torch.cpu.amp (deprecated in torch): autocast and GradScaler with the device fixed to 'cpu'."""

from .autocast_mode import autocast
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler"]
