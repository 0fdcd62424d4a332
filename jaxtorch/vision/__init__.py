"""The torchvision subset training scripts need: `datasets`, `transforms`, `utils` (import as torchvision's names).

Pillow is optional (`pip install jaxtorch[vision]`): PIL images are handled as torchvision handles them when it
is installed; tensor and numpy inputs work without it.
"""

from . import datasets, transforms, utils  # noqa: F401

__all__ = ["datasets", "transforms", "utils"]
