"""torch.backends: switches scripts set for CUDA/cuDNN/MPS. Accepted; most have no effect on XLA (see each module).

`torch.backends.cuda.matmul.allow_tf32` is the one with an effect: it is tied to
`torch.set_float32_matmul_precision` as in torch (True means 'high', False means 'highest').
"""

from .. import _shim
from . import cuda, cudnn, mps  # noqa: F401

__all__ = ["cuda", "cudnn", "mps"]

__getattr__ = _shim._make_getattr(__name__)
