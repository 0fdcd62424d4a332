"""VisionDataset: root, transform, target_transform, and the shared 'files not found' message."""

from __future__ import annotations

import os
from typing import Any, Callable

from ...utils.data import Dataset


def _pil():
    """The PIL.Image module, or None when Pillow is not installed (datasets then return numpy arrays)."""
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def missing_files_error(name: str, folder: str, files: list[str], download: bool, where: str = "") -> RuntimeError:
    """The error for absent dataset files: jaxtorch never downloads, it says where the files belong."""
    head = (f"{name}: download=True, but jaxtorch never downloads (no network access is attempted). " if download
            else f"{name}: dataset not found. ")
    return RuntimeError(head + f"Put the files {', '.join(files)} in {os.path.abspath(folder)}"
                        + (f" ({where})" if where else "") + ", the layout torchvision uses.")


class VisionDataset(Dataset):
    """Base class holding `root`, `transform` and `target_transform`."""

    _repr_indent = 4

    def __init__(self, root: str | os.PathLike | None = None, transforms: Callable | None = None,
                 transform: Callable | None = None, target_transform: Callable | None = None) -> None:
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        if transforms is not None and (transform is not None or target_transform is not None):
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        self.transforms = transforms

    def _apply(self, img: Any, target: Any) -> tuple[Any, Any]:
        if self.transforms is not None:
            return self.transforms(img, target)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {self.__len__()}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines += [x for x in self.extra_repr().splitlines() if x]
        if self.transform is not None:
            lines.append("StandardTransform")
            lines.append("Transform: " + repr(self.transform).replace("\n", "\n" + " " * 11))
        if self.target_transform is not None:
            lines.append("Target transform: " + repr(self.target_transform))
        return "\n".join(["Dataset " + self.__class__.__name__] + [" " * self._repr_indent + x for x in lines])
