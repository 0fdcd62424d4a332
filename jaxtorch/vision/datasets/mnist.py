"""MNIST and FashionMNIST from the standard IDX files, where torchvision keeps them: `root/<Name>/raw/`.

Files may be raw (`train-images-idx3-ubyte`) or gzipped (`train-images-idx3-ubyte.gz`). Nothing is ever
downloaded: `download=True` without the files raises a RuntimeError saying where to put them.
"""

from __future__ import annotations

import gzip
import os
from typing import Any, Callable

import numpy as np

from .vision import VisionDataset, _pil, missing_files_error

__all__ = ["MNIST", "FashionMNIST", "read_sn3_pascalvincent_tensor", "read_image_file", "read_label_file"]

# IDX type codes (third magic byte) -> big-endian numpy dtypes
_IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _read_bytes(path: str) -> bytes:
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            return f.read()
    except (OSError, EOFError) as e:  # includes a truncated or corrupt gzip stream
        raise RuntimeError(f"Could not read IDX file {path}: {e}") from None


def read_idx_array(path: str) -> np.ndarray:
    """Parse an IDX file into a numpy array (native byte order); RuntimeError naming the file if it is corrupt."""
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"Invalid IDX file {path}: bad magic number {raw[:4].hex() or '(empty file)'}")
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise RuntimeError(f"Invalid IDX file {path}: truncated header")
    shape = tuple(int(x) for x in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise RuntimeError(f"Invalid IDX file {path}: expected {expected} bytes for shape {shape}, "
                           f"found {len(raw)} (truncated or corrupt)")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_sn3_pascalvincent_tensor(path: str, strict: bool = True):
    """torchvision's name for the IDX reader: the file's contents as a Tensor."""
    from ... import from_numpy

    return from_numpy(read_idx_array(path))


def read_image_file(path: str):
    arr = read_idx_array(path)
    if arr.dtype != np.uint8 or arr.ndim != 3:
        raise RuntimeError(f"Invalid MNIST image file {path}: expected uint8 with 3 dimensions, "
                           f"got {arr.dtype} with shape {arr.shape}")
    from ... import from_numpy

    return from_numpy(arr)


def read_label_file(path: str):
    arr = read_idx_array(path)
    if arr.dtype != np.uint8 or arr.ndim != 1:
        raise RuntimeError(f"Invalid MNIST label file {path}: expected uint8 with 1 dimension, "
                           f"got {arr.dtype} with shape {arr.shape}")
    from ... import from_numpy

    return from_numpy(arr.astype(np.int64))


class MNIST(VisionDataset):
    """MNIST digits: (image, label) pairs; the image is a PIL 'L' image (a uint8 HxW numpy array without Pillow)."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        prefix = "train" if train else "t10k"
        image_path = self._find(f"{prefix}-images-idx3-ubyte")
        label_path = self._find(f"{prefix}-labels-idx1-ubyte")
        if image_path is None or label_path is None:
            names = [f"{p}-{k}-idx{n}-ubyte[.gz]" for p in ("train", "t10k") for k, n in (("images", 3), ("labels", 1))]
            raise missing_files_error(type(self).__name__, self.raw_folder, names, download,
                                      "from " + self.mirrors[0])
        self._images = read_idx_array(image_path)
        self._labels = read_idx_array(label_path).astype(np.int64)
        for p, a, nd in ((image_path, self._images, 3), (label_path, self._labels, 1)):
            if a.ndim != nd:
                raise RuntimeError(f"Invalid {type(self).__name__} file {p}: expected {nd} dimensions, "
                                   f"got shape {a.shape}")
        if len(self._images) != len(self._labels):
            raise RuntimeError(f"{type(self).__name__}: {image_path} has {len(self._images)} images but "
                               f"{label_path} has {len(self._labels)} labels")
        from ... import from_numpy

        self.data = from_numpy(self._images)
        self.targets = from_numpy(self._labels)

    def _find(self, name: str) -> str | None:
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    @property
    def train_labels(self):
        return self.targets

    @property
    def test_labels(self):
        return self.targets

    @property
    def train_data(self):
        return self.data

    @property
    def test_data(self):
        return self.data

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self._images[index], int(self._labels[index])
        Image = _pil()
        if Image is not None:
            img = Image.fromarray(np.ascontiguousarray(img))  # uint8 HxW -> mode "L"
        return self._apply(img, target)

    def __len__(self) -> int:
        return len(self._images)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Fashion-MNIST: same IDX layout as MNIST under `root/FashionMNIST/raw/`."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
