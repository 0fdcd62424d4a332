"""torch.nn.modules.linear_cross_entropy_options: LinearCrossEntropyOptions (jaxtorch defines it with
F.linear_cross_entropy; this is the same class under torch's path)."""

from .._functional.loss import LinearCrossEntropyOptions

__all__ = ["LinearCrossEntropyOptions"]
