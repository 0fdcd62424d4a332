"""torch.testing: assert_close, make_tensor (and the deprecated assert_allclose).

`FileCheck` (TorchScript IR pattern matching) is importable but raises NotImplementedError when used: jaxtorch
has no TorchScript IR. `torch.testing._internal` (PyTorch's own test suite helpers) is not provided.
"""

from .. import _unsupported
from ._comparison import assert_allclose, assert_close
from ._creation import make_tensor

__all__ = ["FileCheck", "assert_allclose", "assert_close", "make_tensor"]

FileCheck = _unsupported.cls("torch.testing.FileCheck", "it checks TorchScript IR, and jaxtorch has no TorchScript")
