"""SVHN from torchvision's `root/{train,test,extra}_32x32.mat` files (MATLAB, read with scipy.io).

As torchvision: the .mat file must match its MD5, label 10 (digit 0) becomes 0, `data` is N x 3 x 32 x 32 uint8.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np

from .utils import check_integrity, download_url, verify_str_arg
from .vision import VisionDataset, not_found_error, to_image

__all__ = ["SVHN"]


class SVHN(VisionDataset):
    """Street View House Numbers: (PIL RGB image, label in 0..9)."""

    split_list = {
        "train": [
            "http://ufldl.stanford.edu/housenumbers/train_32x32.mat",
            "train_32x32.mat",
            "e26dedcc434d2e4c54c9b2d4a06d8373",
        ],
        "test": [
            "http://ufldl.stanford.edu/housenumbers/test_32x32.mat",
            "test_32x32.mat",
            "eb5a983be6a315427106f1b164d9cef3",
        ],
        "extra": [
            "http://ufldl.stanford.edu/housenumbers/extra_32x32.mat",
            "extra_32x32.mat",
            "a93ce644f1a588dc4d68dda5feec44a7",
        ],
    }

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", tuple(self.split_list.keys()))
        self.url, self.filename, self.file_md5 = self.split_list[split]
        if download:
            self.download()
        if not self._check_integrity():
            raise not_found_error("SVHN", download, self.root, [self.filename], "from " + self.url)
        try:
            import scipy.io as sio
        except ImportError:
            raise ImportError("SVHN reads MATLAB files with scipy: pip install scipy") from None
        loaded = sio.loadmat(os.path.join(self.root, self.filename))
        self.labels = loaded["y"].astype(np.int64).squeeze()
        np.place(self.labels, self.labels == 10, 0)
        self.data = np.transpose(loaded["X"], (3, 2, 0, 1))  # (32, 32, 3, N) -> (N, 3, 32, 32)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = to_image(np.transpose(self.data[index], (1, 2, 0)))
        return self._apply(img, int(self.labels[index]))

    def __len__(self) -> int:
        return len(self.data)

    def _check_integrity(self) -> bool:
        return check_integrity(os.path.join(self.root, self.filename), self.split_list[self.split][2])

    def download(self) -> None:
        try:
            download_url(self.url, self.root, self.filename, self.split_list[self.split][2])
        except RuntimeError:
            raise not_found_error("SVHN", True, self.root, [self.filename], "from " + self.url) from None

    def extra_repr(self) -> str:
        return f"Split: {self.split}"
