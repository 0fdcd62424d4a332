"""torch.nn."""

from .parameter import Parameter, Buffer, UninitializedBuffer, UninitializedParameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from . import functional, init, utils  # noqa: F401
from . import parallel  # noqa: F401
from .parallel import DataParallel  # noqa: F401
from ._functional.loss import LinearCrossEntropyOptions  # noqa: F401  (torch.nn.LinearCrossEntropyOptions)
