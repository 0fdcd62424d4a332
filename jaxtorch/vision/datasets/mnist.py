"""The MNIST family from IDX files where torchvision keeps them, `root/<ClassName>/raw/`: MNIST, FashionMNIST,
KMNIST, EMNIST (`emnist-<split>-<train|test>-...`), QMNIST (`qmnist-...-idx2-int`, `xnist-...`).

Files may be raw, as torchvision's download leaves them, or still compressed (`.gz`, `.xz`); the legacy
`processed/training.pt` + `test.pt` pair is read first when present, as torchvision does. Nothing is downloaded:
`download=True` is a no-op when the files are there and raises a RuntimeError saying where to put them otherwise.
"""

from __future__ import annotations

import gzip
import lzma
import os
import shutil
import string
import warnings
from typing import Any, Callable

import numpy as np

from ..._tensor import Tensor
from .utils import check_integrity, download_and_extract_archive, extract_archive, verify_str_arg
from .vision import HostArrays, VisionDataset, not_found_error, to_image

__all__ = [
    "MNIST",
    "FashionMNIST",
    "KMNIST",
    "EMNIST",
    "QMNIST",
    "read_sn3_pascalvincent_tensor",
    "read_image_file",
    "read_label_file",
]

# IDX type codes (third magic byte) -> big-endian numpy dtypes
_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_MNIST_NOT_FOUND = "Dataset not found. You can use download=True to download it"


def _read_bytes(path: str) -> bytes:
    opener = gzip.open if path.endswith(".gz") else lzma.open if path.endswith(".xz") else open
    try:
        with opener(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, lzma.LZMAError) as e:  # includes a truncated or corrupt compressed stream
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
        raise RuntimeError(
            f"Invalid IDX file {path}: expected {expected} bytes for shape {shape}, "
            f"found {len(raw)} (truncated or corrupt)"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _tensor(arr: np.ndarray) -> Tensor:
    from ... import from_numpy

    return from_numpy(np.ascontiguousarray(arr))


def read_sn3_pascalvincent_tensor(path: str, strict: bool = True) -> Tensor:
    """An IDX ("SN3 Pascal Vincent") file as a Tensor of its stored dtype and shape."""
    return _tensor(read_idx_array(os.fspath(path)))


def _checked(arr: np.ndarray, ndim: int) -> np.ndarray:
    if arr.dtype != np.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of torch.{_torch_name(arr.dtype)}")
    if arr.ndim != ndim:
        raise ValueError(f"x should have {ndim} dimension instead of {arr.ndim}")
    return arr


def _torch_name(dt: np.dtype) -> str:
    return {"int8": "int8", "int16": "int16", "int32": "int32", "float32": "float32", "float64": "float64"}.get(
        np.dtype(dt).name, np.dtype(dt).name
    )


def read_label_file(path: str) -> Tensor:
    return _tensor(_checked(read_idx_array(os.fspath(path)), 1).astype(np.int64))


def read_image_file(path: str) -> Tensor:
    return _tensor(_checked(read_idx_array(os.fspath(path)), 3))


def _existing(path: str) -> str | None:
    """The file itself or its compressed form, whichever exists."""
    for candidate in (path, path + ".gz", path + ".xz"):
        if os.path.isfile(candidate):
            return candidate
    return None


class MNIST(VisionDataset):
    """MNIST digits: (image, label) pairs; the image is a PIL 'L' image (a uint8 HxW numpy array without Pillow)."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

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
        self._host = HostArrays()
        if self._check_legacy_exist():
            self.data, self.targets = self._load_legacy_data()
            return
        if download:
            self.download()
        if not self._check_exists():
            raise self._not_found(download)
        self.data, self.targets = self._load_data()

    # ------------------------------------------------------------------ files
    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    def _raw_names(self) -> list[str]:
        return [os.path.splitext(os.path.basename(url))[0] for url, _ in self.resources]

    def _check_exists(self) -> bool:
        # torchvision wants all four files; only the requested split's two are needed to load it
        prefix = "train" if self.train else "t10k"
        return all(_existing(os.path.join(self.raw_folder, n)) for n in self._raw_names() if n.startswith(prefix))

    def _not_found(self, download: bool) -> RuntimeError:
        names = [n + "[.gz]" for n in self._raw_names()]
        return not_found_error(
            type(self).__name__, download, self.raw_folder, names, "from " + self.mirrors[0], _MNIST_NOT_FOUND
        )

    def _check_legacy_exist(self) -> bool:
        if not os.path.exists(self.processed_folder):
            return False
        return all(
            check_integrity(os.path.join(self.processed_folder, f)) for f in (self.training_file, self.test_file)
        )

    def _load_legacy_data(self) -> tuple[Tensor, Tensor]:
        from ... import load

        return load(
            os.path.join(self.processed_folder, self.training_file if self.train else self.test_file), weights_only=True
        )

    def _load_data(self) -> tuple[Tensor, Tensor]:
        prefix = "train" if self.train else "t10k"
        images = _existing(os.path.join(self.raw_folder, f"{prefix}-images-idx3-ubyte"))
        labels = _existing(os.path.join(self.raw_folder, f"{prefix}-labels-idx1-ubyte"))
        data, targets = read_image_file(images), read_label_file(labels)
        if data.shape[0] != targets.shape[0]:
            raise RuntimeError(
                f"{type(self).__name__}: {images} has {data.shape[0]} images but {labels} has {targets.shape[0]} labels"
            )
        return data, targets

    def download(self) -> None:
        """Nothing to fetch when the IDX files (raw or .gz) are in `raw_folder`; jaxtorch never downloads them."""
        if self._check_exists():
            return
        raise self._not_found(True)

    # ------------------------------------------------------------------ samples
    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    @property
    def train_labels(self):
        warnings.warn("train_labels has been renamed targets")
        return self.targets

    @property
    def test_labels(self):
        warnings.warn("test_labels has been renamed targets")
        return self.targets

    @property
    def train_data(self):
        warnings.warn("train_data has been renamed data")
        return self.data

    @property
    def test_data(self):
        warnings.warn("test_data has been renamed data")
        return self.data

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = self._host.get(self, "data")[index]
        target = int(self._host.get(self, "targets")[index])
        return self._apply(to_image(img), target)

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Fashion-MNIST: MNIST's IDX layout under `root/FashionMNIST/raw/`."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: MNIST's IDX layout under `root/KMNIST/raw/`."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """EMNIST: `split` in byclass, bymerge, balanced, letters, digits, mnist; files
    `root/EMNIST/raw/emnist-<split>-<train|test>-{images-idx3,labels-idx1}-ubyte` (images stored transposed, as
    NIST ships them; torchvision does not transpose them either)."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    # merged classes: letters whose upper and lower case look alike
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root: str | os.PathLike, split: str, **kwargs: Any) -> None:
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file = self._training_file(split)
        self.test_file = self._test_file(split)
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @staticmethod
    def _training_file(split: str) -> str:
        return f"training_{split}.pt"

    @staticmethod
    def _test_file(split: str) -> str:
        return f"test_{split}.pt"

    @property
    def _file_prefix(self) -> str:
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    @property
    def images_file(self) -> str:
        return os.path.join(self.raw_folder, f"{self._file_prefix}-images-idx3-ubyte")

    @property
    def labels_file(self) -> str:
        return os.path.join(self.raw_folder, f"{self._file_prefix}-labels-idx1-ubyte")

    def _raw_names(self) -> list[str]:
        return [os.path.basename(self.images_file), os.path.basename(self.labels_file)]

    def _check_exists(self) -> bool:
        return all(_existing(f) for f in (self.images_file, self.labels_file))

    def _load_data(self) -> tuple[Tensor, Tensor]:
        return read_image_file(_existing(self.images_file)), read_label_file(_existing(self.labels_file))

    def _not_found(self, download: bool) -> RuntimeError:
        return not_found_error(
            type(self).__name__,
            download,
            self.raw_folder,
            [n + "[.gz]" for n in self._raw_names()],
            f"from the gzip folder of {self.url}, or gzip.zip itself",
            _MNIST_NOT_FOUND,
        )

    def download(self) -> None:
        """Extract `raw/gzip.zip` (torchvision's download) when it is there; jaxtorch never fetches it."""
        if self._check_exists():
            return
        try:
            download_and_extract_archive(self.url, download_root=self.raw_folder, md5=self.md5)
        except RuntimeError:
            raise self._not_found(True) from None
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for name in os.listdir(gzip_folder):
            if name.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, name), self.raw_folder)
        shutil.rmtree(gzip_folder)


class QMNIST(MNIST):
    """QMNIST: `what` in train, test, test10k, test50k, nist. Targets are [N, 8] int64 rows (class, NIST writer,
    ...); `compat=True` makes each sample's target the class int."""

    subsets = {"train": "train", "test": "test", "test10k": "test", "test50k": "test", "nist": "nist"}
    resources: dict[str, list[tuple[str, str]]] = {  # type: ignore[assignment]
        "train": [
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/qmnist-train-images-idx3-ubyte.gz",
                "ed72d4157d28c017586c42bc6afe6370",
            ),
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/qmnist-train-labels-idx2-int.gz",
                "0058f8dd561b90ffdd0f734c6a30e5e4",
            ),
        ],
        "test": [
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/qmnist-test-images-idx3-ubyte.gz",
                "1394631089c404de565df7b7aeaf9412",
            ),
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/qmnist-test-labels-idx2-int.gz",
                "5b5b05890a5e13444e108efe57b788aa",
            ),
        ],
        "nist": [
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/xnist-images-idx3-ubyte.xz",
                "7f124b3b8ab81486c9d8c2749c17f834",
            ),
            (
                "https://raw.githubusercontent.com/facebookresearch/qmnist/master/xnist-labels-idx2-int.xz",
                "5ed0e788978e45d4a8bd4b7caec3d79d",
            ),
        ],
    }
    classes = MNIST.classes

    def __init__(
        self, root: str | os.PathLike, what: str | None = None, compat: bool = True, train: bool = True, **kwargs: Any
    ) -> None:
        if what is None:
            what = "train" if train else "test"
        self.what = verify_str_arg(what, "what", tuple(self.subsets.keys()))
        self.compat = compat
        self.data_file = what + ".pt"
        self.training_file = self.data_file
        self.test_file = self.data_file
        super().__init__(root, train, **kwargs)

    def _urls(self) -> list[str]:
        return [url for url, _ in self.resources[self.subsets[self.what]]]

    @property
    def images_file(self) -> str:
        return os.path.join(self.raw_folder, os.path.splitext(os.path.basename(self._urls()[0]))[0])

    @property
    def labels_file(self) -> str:
        return os.path.join(self.raw_folder, os.path.splitext(os.path.basename(self._urls()[1]))[0])

    def _raw_names(self) -> list[str]:
        return [os.path.basename(self.images_file), os.path.basename(self.labels_file)]

    def _check_exists(self) -> bool:
        return all(_existing(f) for f in (self.images_file, self.labels_file))

    def _not_found(self, download: bool) -> RuntimeError:
        return not_found_error(
            type(self).__name__,
            download,
            self.raw_folder,
            [n + "[.gz/.xz]" for n in self._raw_names()],
            "from " + ", ".join(self._urls()),
            _MNIST_NOT_FOUND,
        )

    def _load_data(self) -> tuple[Tensor, Tensor]:
        data = read_idx_array(_existing(self.images_file))
        if data.dtype != np.uint8:
            raise TypeError(f"data should be of dtype torch.uint8 instead of torch.{_torch_name(data.dtype)}")
        if data.ndim != 3:
            raise ValueError(f"data should have 3 dimensions instead of {data.ndim}")
        targets = read_idx_array(_existing(self.labels_file)).astype(np.int64)
        if targets.ndim != 2:
            raise ValueError(f"targets should have 2 dimensions instead of {targets.ndim}")
        if self.what == "test10k":
            data, targets = data[:10000], targets[:10000]
        elif self.what == "test50k":
            data, targets = data[10000:], targets[10000:]
        return _tensor(data), _tensor(targets)

    def download(self) -> None:
        if self._check_exists():
            return
        raise self._not_found(True)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = to_image(self._host.get(self, "data")[index])
        if self.transform is not None:
            img = self.transform(img)
        target: Any = self.targets[index]
        if self.compat:
            target = int(self._host.get(self, "targets")[index, 0])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self) -> str:
        return f"Split: {self.what}"
