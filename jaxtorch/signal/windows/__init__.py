"""torch.signal.windows: window functions (bartlett, blackman, cosine, exponential, gaussian, ...)."""

from . import windows  # noqa: F401
from .windows import *  # noqa: F403
from .windows import __all__  # noqa: F401
