"""ImageNet 2012 classification in torchvision's layout: `root/meta.bin` plus `root/train/<wnid>/*.JPEG` or
`root/val/<wnid>/*.JPEG`.

Missing pieces are prepared from the official archives in `root` exactly as torchvision does (these are local
files, nothing is downloaded): `ILSVRC2012_devkit_t12.tar.gz` -> meta.bin (needs scipy for its meta.mat),
`ILSVRC2012_img_train.tar` -> train/, `ILSVRC2012_img_val.tar` -> val/ sorted into wnid folders. Each archive
must match its MD5, as in torchvision. meta.bin is a torch.save file; files written by torchvision load here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from typing import Any, Iterator

from .folder import ImageFolder
from .utils import check_integrity, extract_archive, verify_str_arg

__all__ = ["ImageNet", "load_meta_file", "parse_devkit_archive", "parse_train_archive", "parse_val_archive"]

ARCHIVE_META = {
    "train": ("ILSVRC2012_img_train.tar", "1d675b47d978889d74fa0da5fadfb00e"),
    "val": ("ILSVRC2012_img_val.tar", "29b22e2961454d5413ddabcf34fc5622"),
    "devkit": ("ILSVRC2012_devkit_t12.tar.gz", "fa75699e90414af021442c21a62c3abf"),
}
META_FILE = "meta.bin"


class ImageNet(ImageFolder):
    """ImageFolder over `root/<split>` whose `classes` are the class-name tuples of each WordNet id.

    Attributes: wnids (sorted WordNet ids), wnid_to_idx, classes (name tuples), class_to_idx (every name of a
    class -> its index), imgs / samples, targets."""

    def __init__(self, root: str | os.PathLike, split: str = "train", **kwargs: Any) -> None:
        root = self.root = os.path.expanduser(root)
        self.split = verify_str_arg(split, "split", ("train", "val"))
        self.parse_archives()
        wnid_to_classes = load_meta_file(self.root)[0]
        super().__init__(self.split_folder, **kwargs)
        self.root = root
        self.wnids = self.classes
        self.wnid_to_idx = self.class_to_idx
        self.classes = [wnid_to_classes[wnid] for wnid in self.wnids]
        self.class_to_idx = {cls: idx for idx, clss in enumerate(self.classes) for cls in clss}

    def parse_archives(self) -> None:
        if not check_integrity(os.path.join(self.root, META_FILE)):
            parse_devkit_archive(self.root)
        if not os.path.isdir(self.split_folder):
            if self.split == "train":
                parse_train_archive(self.root)
            else:
                parse_val_archive(self.root)

    @property
    def split_folder(self) -> str:
        return os.path.join(self.root, self.split)

    def extra_repr(self) -> str:
        return f"Split: {self.split}"


def load_meta_file(root: str | os.PathLike, file: str | None = None) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """(wnid -> class names, validation wnids) from meta.bin."""
    path = os.path.join(root, file or META_FILE)
    if check_integrity(path):
        from ... import load

        return load(path, weights_only=True)
    raise RuntimeError(
        f"The meta file {path} is not present in the root directory or is corrupted. This file is "
        "automatically created by the ImageNet dataset."
    )


def _verify_archive(root: str | os.PathLike, file: str, md5: str) -> None:
    if not check_integrity(os.path.join(root, file), md5):
        raise RuntimeError(
            f"The archive {file} is not present in the root directory or is corrupted. You need to "
            f"download it externally and place it in {root}."
        )


@contextmanager
def _tmp_dir() -> Iterator[str]:
    path = tempfile.mkdtemp()
    try:
        yield path
    finally:
        shutil.rmtree(path)


def parse_devkit_archive(root: str | os.PathLike, file: str | None = None) -> None:
    """Write root/meta.bin from the devkit archive: (wnid -> class-name tuple for the 1000 leaf synsets,
    the wnid of each validation image in file order)."""
    import scipy.io as sio

    file = file or ARCHIVE_META["devkit"][0]
    _verify_archive(root, file, ARCHIVE_META["devkit"][1])
    with _tmp_dir() as tmp:
        extract_archive(os.path.join(root, file), tmp)
        devkit = os.path.join(tmp, "ILSVRC2012_devkit_t12")
        synsets = sio.loadmat(os.path.join(devkit, "data", "meta.mat"), squeeze_me=True)["synsets"]
        leaves = [s for s in synsets if s[4] == 0]  # field 4: num_children; the classes are the leaves
        idx_to_wnid = {s[0]: s[1] for s in leaves}
        wnid_to_classes = {s[1]: tuple(s[2].split(", ")) for s in leaves}
        with open(os.path.join(devkit, "data", "ILSVRC2012_validation_ground_truth.txt")) as f:
            val_idcs = [int(line) for line in f.readlines()]
        from ... import save

        save((wnid_to_classes, [idx_to_wnid[i] for i in val_idcs]), os.path.join(root, META_FILE))


def parse_train_archive(root: str | os.PathLike, file: str | None = None, folder: str = "train") -> None:
    """Extract the train archive into root/<folder>, then each per-class tar into its wnid folder."""
    file = file or ARCHIVE_META["train"][0]
    _verify_archive(root, file, ARCHIVE_META["train"][1])
    train_root = os.path.join(root, folder)
    extract_archive(os.path.join(root, file), train_root)
    for archive in [os.path.join(train_root, a) for a in os.listdir(train_root)]:
        extract_archive(archive, os.path.splitext(archive)[0], remove_finished=True)


def parse_val_archive(
    root: str | os.PathLike, file: str | None = None, wnids: list[str] | None = None, folder: str = "val"
) -> None:
    """Extract the val archive into root/<folder> and move each image (sorted by name) into its wnid folder."""
    file = file or ARCHIVE_META["val"][0]
    if wnids is None:
        wnids = load_meta_file(root)[1]
    _verify_archive(root, file, ARCHIVE_META["val"][1])
    val_root = os.path.join(root, folder)
    extract_archive(os.path.join(root, file), val_root)
    images = sorted(os.path.join(val_root, image) for image in os.listdir(val_root))
    for wnid in set(wnids):
        os.mkdir(os.path.join(val_root, wnid))
    for wnid, img_file in zip(wnids, images):
        shutil.move(img_file, os.path.join(val_root, wnid, os.path.basename(img_file)))
