"""CIFAR-10 from its python pickle batches in `root/cifar-10-batches-py/` (torchvision's layout)."""

from __future__ import annotations

import os
import pickle
from typing import Any, Callable

import numpy as np

from .vision import VisionDataset, _pil, missing_files_error

__all__ = ["CIFAR10"]


class CIFAR10(VisionDataset):
    """(image, label) pairs; the image is a PIL RGB image (a uint8 HxWx3 numpy array without Pillow)."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    train_list = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"]
    test_list = ["test_batch"]
    meta = {"filename": "batches.meta", "key": "label_names"}

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        folder = os.path.join(self.root, self.base_folder)
        names = (self.train_list if train else self.test_list) + [self.meta["filename"]]
        if not all(os.path.isfile(os.path.join(folder, n)) for n in names):
            raise missing_files_error(type(self).__name__, folder, names, download,
                                      "unpack " + self.url + " into " + os.path.abspath(self.root))
        data, targets = [], []
        for name in names[:-1]:
            entry = self._load(os.path.join(folder, name))
            data.append(np.asarray(entry["data"], dtype=np.uint8))
            targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        # stored as N x 3072 in channel-major order; keep HWC like torchvision
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        self.targets = [int(t) for t in targets]
        self.classes = list(self._load(os.path.join(folder, self.meta["filename"]))[self.meta["key"]])
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    @staticmethod
    def _load(path: str) -> dict:
        try:
            with open(path, "rb") as f:
                return pickle.load(f, encoding="latin1")
        except Exception as e:
            raise RuntimeError(f"Could not read CIFAR batch file {path}: {e}") from None

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self.data[index], self.targets[index]
        Image = _pil()
        if Image is not None:
            img = Image.fromarray(np.ascontiguousarray(img))
        return self._apply(img, target)

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"
