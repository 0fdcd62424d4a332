"""CelebA from torchvision's `root/celeba/` layout: the five annotation .txt files (checked against their MD5s)
and the extracted `img_align_celeba/` folder."""

from __future__ import annotations

import csv
import os
from collections import namedtuple
from typing import Any, Callable

import numpy as np

from ..._tensor import Tensor
from .utils import check_integrity, download_file_from_google_drive, extract_archive, verify_str_arg
from .vision import VisionDataset, _pil, not_found_error

__all__ = ["CelebA"]

CSV = namedtuple("CSV", ["header", "index", "data"])


def _tensor(arr: np.ndarray) -> Tensor:
    from ... import from_numpy

    return from_numpy(np.ascontiguousarray(arr))


class CelebA(VisionDataset):
    """(PIL image, target) with target_type any of attr (40 binary ints), identity, bbox, landmarks (or a list)."""

    base_folder = "celeba"
    file_list = [
        ("0B7EVK8r0v71pZjFTYXZWM3FlRnM", "00d2c5bc6d35e252742224ab0c1e8fcb", "img_align_celeba.zip"),
        ("0B7EVK8r0v71pblRyaVFSWGxPY0U", "75e246fa4810816ffd6ee81facbd244c", "list_attr_celeba.txt"),
        ("1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS", "32bd1bd63d3c78cd57e08160ec5ed1e2", "identity_CelebA.txt"),
        ("0B7EVK8r0v71pbThiMVRxWXZ4dU0", "00566efa6fedff7a56946cd1c10f1c16", "list_bbox_celeba.txt"),
        ("0B7EVK8r0v71pd0FJY3Blby1HUTQ", "cc24ecafdb5b50baae59b03474781f8c", "list_landmarks_align_celeba.txt"),
        ("0B7EVK8r0v71pY0NSMzRuSXJEVkk", "d32c9cbf5e040fd4025c592c306e6668", "list_eval_partition.txt"),
    ]

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        target_type: list[str] | str = "attr",
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = split
        self.target_type = target_type if isinstance(target_type, list) else [target_type]
        if not self.target_type and self.target_transform is not None:
            raise RuntimeError("target_transform is specified but target_type is empty")
        if download:
            self.download()
        if not self._check_integrity():
            raise self._not_found(download)
        split_map = {"train": 0, "valid": 1, "test": 2, "all": None}
        split_ = split_map[
            verify_str_arg(
                split.lower() if isinstance(split, str) else split, "split", ("train", "valid", "test", "all")
            )
        ]
        splits = self._load_csv("list_eval_partition.txt")
        identity = self._load_csv("identity_CelebA.txt")
        bbox = self._load_csv("list_bbox_celeba.txt", header=1)
        landmarks_align = self._load_csv("list_landmarks_align_celeba.txt", header=1)
        attr = self._load_csv("list_attr_celeba.txt", header=1)
        if split_ is None:
            rows = np.arange(len(splits.index))
            self.filename = splits.index
        else:
            rows = np.nonzero(splits.data[:, 0] == split_)[0]
            self.filename = [splits.index[i] for i in rows]
        self._identity = identity.data[rows]
        self._bbox = bbox.data[rows]
        self._landmarks_align = landmarks_align.data[rows]
        self._attr = (attr.data[rows] + 1) // 2  # -1/1 in the file -> 0/1
        self.identity, self.bbox = _tensor(self._identity), _tensor(self._bbox)
        self.landmarks_align, self.attr = _tensor(self._landmarks_align), _tensor(self._attr)
        self.attr_names = attr.header

    def _not_found(self, download: bool) -> RuntimeError:
        return not_found_error(
            "CelebA",
            download,
            os.path.join(self.root, self.base_folder),
            [f for _, _, f in self.file_list[1:]] + ["img_align_celeba/ (extracted)"],
            "the files of the CelebA Google Drive folder",
        )

    def _load_csv(self, filename: str, header: int | None = None) -> CSV:
        with open(os.path.join(self.root, self.base_folder, filename)) as f:
            data = list(csv.reader(f, delimiter=" ", skipinitialspace=True))
        headers = []
        if header is not None:
            headers = data[header]
            data = data[header + 1 :]
        indices = [row[0] for row in data]
        values = np.array([list(map(int, row[1:])) for row in data], dtype=np.int64)
        return CSV(headers, indices, values.reshape(len(data), -1))

    def _check_integrity(self) -> bool:
        for _, md5, filename in self.file_list:
            ext = os.path.splitext(filename)[1]
            if ext not in (".zip", ".7z") and not check_integrity(
                os.path.join(self.root, self.base_folder, filename), md5
            ):
                return False
        return os.path.isdir(os.path.join(self.root, self.base_folder, "img_align_celeba"))

    def download(self) -> None:
        """Uses the files already in `root/celeba` (extracting img_align_celeba.zip); jaxtorch never fetches them."""
        if self._check_integrity():
            return
        try:
            for file_id, md5, filename in self.file_list:
                download_file_from_google_drive(file_id, os.path.join(self.root, self.base_folder), filename, md5)
        except RuntimeError:
            raise self._not_found(True) from None
        extract_archive(os.path.join(self.root, self.base_folder, "img_align_celeba.zip"))

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path = os.path.join(self.root, self.base_folder, "img_align_celeba", self.filename[index])
        Image = _pil()
        if Image is None:
            raise ImportError("CelebA images are decoded with Pillow: pip install pillow")
        X = Image.open(path)
        target: Any = []
        for t in self.target_type:
            if t == "attr":
                target.append(_tensor(self._attr[index, :]))
            elif t == "identity":
                target.append(_tensor(self._identity[index, 0]))
            elif t == "bbox":
                target.append(_tensor(self._bbox[index, :]))
            elif t == "landmarks":
                target.append(_tensor(self._landmarks_align[index, :]))
            else:
                raise ValueError(f'Target type "{t}" is not recognized.')
        if self.transform is not None:
            X = self.transform(X)
        if target:
            target = tuple(target) if len(target) > 1 else target[0]
            if self.target_transform is not None:
                target = self.target_transform(target)
        else:
            target = None
        return X, target

    def __len__(self) -> int:
        return len(self._attr)

    def extra_repr(self) -> str:
        return f"Target type: {self.target_type}\nSplit: {self.split}"
