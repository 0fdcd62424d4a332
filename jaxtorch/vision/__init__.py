"""The torchvision subset training scripts need: `datasets`, `transforms`, `utils` (import as torchvision's names).

Pillow is optional (`pip install jaxtorch[vision]`): PIL images are handled as torchvision handles them when it
is installed; tensor and numpy inputs work without it.
"""

from . import datasets, io, ops, transforms, utils  # noqa: F401

__all__ = ["datasets", "io", "ops", "transforms", "utils"]

from ..version import jaxtorch_version as __version__  # noqa: E402,F401  (the shim swaps in torchvision's API level)
