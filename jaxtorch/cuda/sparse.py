"""torch.cuda.sparse: the legacy typed sparse CUDA tensor names. jaxtorch tensors are dense only (see
torch.layout), so constructing one raises NotImplementedError; no tensor is ever an instance of them."""

from __future__ import annotations

from .. import _unsupported

__all__: list = []

_unsupported.names(
    globals(),
    "torch.cuda.sparse",
    "jaxtorch has only dense tensors",
    classes=(
        "DoubleTensor",
        "FloatTensor",
        "HalfTensor",
        "BFloat16Tensor",
        "LongTensor",
        "IntTensor",
        "ShortTensor",
        "CharTensor",
        "ByteTensor",
    ),
)
