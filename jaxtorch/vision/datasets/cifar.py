"""CIFAR-10 / CIFAR-100 from their python pickle batches in `root/cifar-10-batches-py/` / `root/cifar-100-python/`.

As torchvision: every batch file of both splits must match its MD5 (and the meta file too), images are kept as an
N x 32 x 32 x 3 uint8 array in `data`, labels as a list of ints in `targets` (CIFAR-100: the fine labels).
`download=True` extracts `cifar-10(0)-python.tar.gz` when it is in `root`; jaxtorch never fetches it.
"""

from __future__ import annotations

import os
import pickle
from typing import Any, Callable

import numpy as np

from .utils import check_integrity, download_and_extract_archive
from .vision import VisionDataset, not_found_error, to_image

__all__ = ["CIFAR10", "CIFAR100"]


class CIFAR10(VisionDataset):
    """(image, label) pairs; the image is a PIL RGB image (a uint8 HxWx3 numpy array without Pillow)."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            names = [n for n, _ in self.train_list + self.test_list] + [self.meta["filename"]]
            raise not_found_error(
                type(self).__name__,
                download,
                os.path.join(self.root, self.base_folder),
                names,
                f"the contents of {self.url}",
            )
        data, targets = [], []
        for name, _ in self.train_list if train else self.test_list:
            with open(os.path.join(self.root, self.base_folder, name), "rb") as f:
                entry = pickle.load(f, encoding="latin1")
            data.append(entry["data"])
            targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        # stored as N x 3072 in channel-major order; kept HWC like torchvision
        self.data: Any = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        self.targets = targets
        self._load_meta()

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not check_integrity(path, self.meta["md5"]):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use download=True to download it")
        with open(path, "rb") as f:
            self.classes = pickle.load(f, encoding="latin1")[self.meta["key"]]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        return self._apply(to_image(self.data[index]), self.targets[index])

    def __len__(self) -> int:
        return len(self.data)

    def _check_integrity(self) -> bool:
        return all(
            check_integrity(os.path.join(self.root, self.base_folder, name), md5)
            for name, md5 in self.train_list + self.test_list
        )

    def download(self) -> None:
        if self._check_integrity():
            return
        try:
            download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)
        except RuntimeError:
            names = [n for n, _ in self.train_list + self.test_list] + [self.meta["filename"]]
            raise not_found_error(
                type(self).__name__,
                True,
                os.path.join(self.root, self.base_folder),
                names,
                f"the contents of {self.url}; or put {self.filename} itself in {os.path.abspath(self.root)}",
            ) from None

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: 100 fine classes (targets) from the 'fine_labels' of each pickle."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
