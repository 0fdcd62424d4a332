"""torch.utils.mkldnn: converting a model to oneDNN (MKL-DNN) tensors and TorchScript modules. jaxtorch has no
oneDNN tensors (see torch.backends.mkldnn) nor TorchScript, so `to_mkldnn` and the Mkldnn* module classes raise
NotImplementedError when used; XLA already compiles CPU models with its own optimised kernels."""

from __future__ import annotations

from .. import _unsupported

__all__ = [
    "to_mkldnn",
    "MkldnnLinear",
    "MkldnnConv1d",
    "MkldnnConv2d",
    "MkldnnConv3d",
    "MkldnnBatchNorm",
    "MkldnnPrelu",
]

_WHY_NOT = "jaxtorch has no oneDNN tensors or TorchScript modules"
to_mkldnn = _unsupported.function("torch.utils.mkldnn.to_mkldnn", _WHY_NOT)
MkldnnLinear = _unsupported.cls("torch.utils.mkldnn.MkldnnLinear", _WHY_NOT)
MkldnnConv1d = _unsupported.cls("torch.utils.mkldnn.MkldnnConv1d", _WHY_NOT)
MkldnnConv2d = _unsupported.cls("torch.utils.mkldnn.MkldnnConv2d", _WHY_NOT)
MkldnnConv3d = _unsupported.cls("torch.utils.mkldnn.MkldnnConv3d", _WHY_NOT)
MkldnnBatchNorm = _unsupported.cls("torch.utils.mkldnn.MkldnnBatchNorm", _WHY_NOT)
MkldnnPrelu = _unsupported.cls("torch.utils.mkldnn.MkldnnPrelu", _WHY_NOT)
