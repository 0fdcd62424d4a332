"""torch.nn."""

from .parameter import Parameter, Buffer, UninitializedBuffer, UninitializedParameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from . import functional, init, utils  # noqa: F401
from . import parallel  # noqa: F401
from . import attention  # noqa: F401
from .parallel import DataParallel  # noqa: F401
from ._functional.loss import LinearCrossEntropyOptions  # noqa: F401  (torch.nn.LinearCrossEntropyOptions)
from . import common_types, grad  # noqa: F401
from . import intrinsic, qat, quantizable, quantized  # noqa: F401  (importable stand-ins, as torch.nn imports them)

functional.grad = grad  # torch.nn.functional.grad is torch.nn.grad (F.grad.conv2d_input)
