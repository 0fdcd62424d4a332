"""FakeData: random images, reproducible per index (numpy's generator seeded by index + random_offset).

Pixel values are not torchvision's (its stream is torch's RNG); shapes, types and determinism are.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .vision import VisionDataset, _pil

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """`size` random (image, label) pairs with images of shape `image_size` (C, H, W)."""

    def __init__(
        self,
        size: int = 1000,
        image_size: tuple[int, ...] = (3, 224, 224),
        num_classes: int = 10,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        random_offset: int = 0,
    ) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        rng = np.random.default_rng(index + self.random_offset)
        chw = rng.integers(0, 256, size=self.image_size, dtype=np.uint8)
        target = int(rng.integers(0, self.num_classes))
        img: Any = np.ascontiguousarray(np.moveaxis(chw, 0, -1))  # HWC, what ToTensor expects of arrays
        if img.shape[-1] == 1:
            img = img[..., 0]
        Image = _pil()
        if Image is not None:
            img = Image.fromarray(img)
        return self._apply(img, target)

    def __len__(self) -> int:
        return self.size
