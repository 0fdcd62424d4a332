"""VisionDataset / StandardTransform (as torchvision's) and the shared "files not found" error.

jaxtorch never downloads. `download=True` checks for the files torchvision's download would have left in `root`
(or its archive, which is then extracted as torchvision does): present files make it a no-op, missing ones raise
a RuntimeError naming what to put where.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np

from ..._tensor import Tensor
from ...utils.data import Dataset

__all__ = ["VisionDataset", "StandardTransform"]

NOT_FOUND = "Dataset not found or corrupted. You can use download=True to download it"


def _pil():
    """The PIL.Image module, or None when Pillow is not installed (datasets then return numpy arrays)."""
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def to_image(arr: np.ndarray) -> Any:
    """A uint8 HxW / HxWxC array as a PIL image (as torchvision), or the array itself without Pillow."""
    Image = _pil()
    return Image.fromarray(np.ascontiguousarray(arr)) if Image is not None else arr


def not_found_error(
    name: str, download: bool, folder: str | os.PathLike, files: list[str], where: str = "", message: str = NOT_FOUND
) -> RuntimeError:
    """torchvision's error text for missing files, plus where jaxtorch expects them (it never downloads)."""
    place = f"Put {', '.join(files)} in {os.path.abspath(folder)}" + (f" ({where})" if where else "")
    if download:
        return RuntimeError(
            f"{name}: download=True, but jaxtorch never downloads (no network access is attempted). "
            f"{place}, the layout torchvision uses."
        )
    return RuntimeError(
        f"{message}. [jaxtorch never downloads; download=True only uses files already present. {place}.]"
    )


class HostArrays:
    """Numpy views of tensor attributes (data, targets), refreshed when the attribute is reassigned.

    Per-sample indexing of a jaxtorch Tensor dispatches a JAX op; datasets index these views instead, so
    `ds.data = ds.data[:100]` still works as in torchvision."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Any, np.ndarray]] = {}

    def get(self, owner: Any, name: str) -> np.ndarray:
        value = getattr(owner, name)
        hit = self._cache.get(name)
        if hit is None or hit[0] is not value:
            arr = np.asarray(value._value()) if isinstance(value, Tensor) else np.asarray(value)
            hit = self._cache[name] = (value, arr)
        return hit[1]

    def __getstate__(self) -> dict:
        return {"_cache": {}}  # rebuilt lazily in a DataLoader worker


class StandardTransform:
    """Applies `transform` to the input and `target_transform` to the target."""

    def __init__(self, transform: Callable | None = None, target_transform: Callable | None = None) -> None:
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input: Any, target: Any) -> tuple[Any, Any]:
        if self.transform is not None:
            input = self.transform(input)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return input, target

    def _format_transform_repr(self, transform: Callable, head: str) -> list[str]:
        lines = transform.__repr__().splitlines()
        return [f"{head}{lines[0]}"] + [" " * len(head) + line for line in lines[1:]]

    def __repr__(self) -> str:
        body = [self.__class__.__name__]
        if self.transform is not None:
            body += self._format_transform_repr(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += self._format_transform_repr(self.target_transform, "Target transform: ")
        return "\n".join(body)


class VisionDataset(Dataset):
    """Base class holding `root`, `transform`, `target_transform` and `transforms` (the two are exclusive)."""

    _repr_indent = 4

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        transforms: Callable | None = None,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
    ) -> None:
        if isinstance(root, str):
            root = os.path.expanduser(root)
        self.root = root
        has_separate = transform is not None or target_transform is not None
        if transforms is not None and has_separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        if has_separate:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def _apply(self, img: Any, target: Any) -> tuple[Any, Any]:
        return self.transforms(img, target) if self.transforms is not None else (img, target)

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def __repr__(self) -> str:
        body = [f"Number of datapoints: {self.__len__()}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if getattr(self, "transforms", None) is not None:
            body += [repr(self.transforms)]
        return "\n".join(["Dataset " + self.__class__.__name__] + [" " * self._repr_indent + line for line in body])

    def _format_transform_repr(self, transform: Callable, head: str) -> list[str]:
        lines = transform.__repr__().splitlines()
        return [f"{head}{lines[0]}"] + [" " * len(head) + line for line in lines[1:]]

    def extra_repr(self) -> str:
        return ""
