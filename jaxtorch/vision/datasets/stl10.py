"""STL-10 from torchvision's `root/stl10_binary/` (train_X.bin, train_y.bin, unlabeled_X.bin, test_X.bin,
test_y.bin, optional class_names.txt and fold_indices.txt).

As torchvision: all five .bin files must match their MD5s; images are column-major 96x96 planes, read into
`data` as N x 3 x 96 x 96 uint8; labels are 0-based, -1 for unlabeled images.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np

from .utils import check_integrity, download_and_extract_archive, verify_str_arg
from .vision import VisionDataset, not_found_error, to_image

__all__ = ["STL10"]


class STL10(VisionDataset):
    """(PIL RGB image, label) pairs; `split` in train, train+unlabeled, unlabeled, test; `folds` picks 1 of 10
    predefined 1000-image training folds."""

    base_folder = "stl10_binary"
    url = "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"
    filename = "stl10_binary.tar.gz"
    tgz_md5 = "91f7769df0f17e558f3565bffb0c7dfb"
    class_names_file = "class_names.txt"
    folds_list_file = "fold_indices.txt"
    train_list = [
        ["train_X.bin", "918c2871b30a85fa023e0c44e0bee87f"],
        ["train_y.bin", "5a34089d4802c674881badbb80307741"],
        ["unlabeled_X.bin", "5242ba1fed5e4be9e1e742405eb56ca4"],
    ]
    test_list = [["test_X.bin", "7f263ba9f9e0b06b93213547f721ac82"], ["test_y.bin", "36f9794fa4beb8a2c72628de14fa638e"]]
    splits = ("train", "train+unlabeled", "unlabeled", "test")

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        folds: int | None = None,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", self.splits)
        self.folds = self._verify_folds(folds)
        if download:
            self.download()
        elif not self._check_integrity():
            raise self._not_found(False)
        self.labels: np.ndarray | None
        if self.split in ("train", "train+unlabeled"):
            self.data, self.labels = self._loadfile(self.train_list[0][0], self.train_list[1][0])
            self._load_folds(folds)
            if self.split == "train+unlabeled":
                unlabeled, _ = self._loadfile(self.train_list[2][0])
                self.data = np.concatenate((self.data, unlabeled))
                self.labels = np.concatenate((self.labels, np.asarray([-1] * unlabeled.shape[0])))
        elif self.split == "unlabeled":
            self.data, _ = self._loadfile(self.train_list[2][0])
            self.labels = np.asarray([-1] * self.data.shape[0])
        else:
            self.data, self.labels = self._loadfile(self.test_list[0][0], self.test_list[1][0])
        class_file = os.path.join(self.root, self.base_folder, self.class_names_file)
        if os.path.isfile(class_file):
            with open(class_file) as f:
                self.classes = f.read().splitlines()

    def _not_found(self, download: bool) -> RuntimeError:
        return not_found_error(
            "STL10",
            download,
            os.path.join(self.root, self.base_folder),
            [n for n, _ in self.train_list + self.test_list],
            f"the contents of {self.url}",
        )

    def _verify_folds(self, folds: int | None) -> int | None:
        if folds is None:
            return folds
        if isinstance(folds, int):
            if folds in range(10):
                return folds
            raise ValueError(f"Value for argument folds should be in the range [0, 10), but got {folds}.")
        raise ValueError(f"Expected type None or int for argument folds, but got type {type(folds)}.")

    def _loadfile(self, data_file: str, labels_file: str | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        labels = None
        if labels_file:
            with open(os.path.join(self.root, self.base_folder, labels_file), "rb") as f:
                labels = np.fromfile(f, dtype=np.uint8) - 1  # 0-based
        with open(os.path.join(self.root, self.base_folder, data_file), "rb") as f:
            images = np.reshape(np.fromfile(f, dtype=np.uint8), (-1, 3, 96, 96))
        return np.transpose(images, (0, 1, 3, 2)), labels  # planes are stored column-major

    def _load_folds(self, folds: int | None) -> None:
        if folds is None:
            return
        with open(os.path.join(self.root, self.base_folder, self.folds_list_file)) as f:
            idx = np.array(f.read().splitlines()[folds].split(), dtype=np.int64)
        self.data = self.data[idx, :, :, :]
        if self.labels is not None:
            self.labels = self.labels[idx]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        target = int(self.labels[index]) if self.labels is not None else None
        return self._apply(to_image(np.transpose(self.data[index], (1, 2, 0))), target)

    def __len__(self) -> int:
        return self.data.shape[0]

    def _check_integrity(self) -> bool:
        return all(
            check_integrity(os.path.join(self.root, self.base_folder, n), md5)
            for n, md5 in self.train_list + self.test_list
        )

    def download(self) -> None:
        if self._check_integrity():
            return
        try:
            download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)
        except RuntimeError:
            raise self._not_found(True) from None

    def extra_repr(self) -> str:
        return f"Split: {self.split}"
