"""jaxtorch.vision.datasets read the files torchvision's download leaves in `root`, and never download.

Small fake files are written here in each dataset's on-disk format (CIFAR python pickles, IDX files, SVHN .mat,
STL-10 binaries, CelebA text tables, ImageNet archives and meta.bin, Places365 lists, iNaturalist folders). Where
torchvision checks MD5s, the tests point the class's checksum table at the fake files (monkeypatch), so the check
itself still runs.
"""

import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest
import torch

import jaxtorch
from jaxtorch.vision import datasets, transforms

Image = pytest.importorskip("PIL.Image", reason="Pillow is the vision extra; pip install pillow")

NOT_FOUND = "Dataset not found or corrupted. You can use download=True to download it"


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def write_idx(path, arr, code=0x08, gz=False):
    head = struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    big = {0x08: ">u1", 0x0C: ">i4"}[code]
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(head + arr.astype(big).tobytes())


def png(path, arr):
    Image.fromarray(arr).save(path, format="PNG")


# ---------------------------------------------------------------------------------------------------- CIFAR


def write_cifar100(root, n=(5, 3)):
    folder = root / "cifar-100-python"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    raw = {}
    for name, count in zip(("train", "test"), n):
        data = rng.integers(0, 256, (count, 3072), dtype=np.uint8)
        fine, coarse = list(rng.integers(0, 100, count)), list(rng.integers(0, 20, count))
        raw[name] = (data, [int(v) for v in fine])
        with open(folder / name, "wb") as f:
            pickle.dump({"data": data, "fine_labels": fine, "coarse_labels": coarse, "filenames": []}, f, protocol=2)
    with open(folder / "meta", "wb") as f:
        pickle.dump({"fine_label_names": [f"c{i}" for i in range(100)], "coarse_label_names": []}, f, protocol=2)
    return folder, raw


def point_cifar_md5s(monkeypatch, cls, folder):
    monkeypatch.setattr(cls, "train_list", [[n, md5(folder / n)] for n, _ in cls.train_list])
    monkeypatch.setattr(cls, "test_list", [[n, md5(folder / n)] for n, _ in cls.test_list])
    monkeypatch.setattr(cls, "meta", dict(cls.meta, md5=md5(folder / cls.meta["filename"])))


def test_cifar100_items_targets_transforms(tmp_path, monkeypatch):
    folder, raw = write_cifar100(tmp_path)
    with pytest.raises(RuntimeError, match=NOT_FOUND):  # torchvision's MD5s do not match the fake files
        datasets.CIFAR100(tmp_path)
    point_cifar_md5s(monkeypatch, datasets.CIFAR100, folder)
    ds = datasets.CIFAR100(str(tmp_path), download=True)  # everything present: download is a no-op
    data, fine = raw["train"]
    assert len(ds) == 5 and ds.data.shape == (5, 32, 32, 3) and ds.data.dtype == np.uint8
    np.testing.assert_array_equal(ds.data, data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    assert ds.targets == fine and ds.classes[:2] == ["c0", "c1"] and ds.class_to_idx["c7"] == 7
    img, target = ds[3]
    assert img.mode == "RGB" and target == fine[3]
    np.testing.assert_array_equal(np.asarray(img), data[3].reshape(3, 32, 32).transpose(1, 2, 0))
    test = datasets.CIFAR100(tmp_path, train=False, transform=transforms.ToTensor(), target_transform=lambda t: -t)
    x, t = test[1]
    assert len(test) == 3 and x.shape == (3, 32, 32) and t == -raw["test"][1][1]
    np.testing.assert_allclose(x.numpy(), raw["test"][0][1].reshape(3, 32, 32) / 255.0, rtol=1e-6)
    assert "Split: Train" in repr(ds) and "Number of datapoints: 5" in repr(ds)
    assert "StandardTransform\nTransform: ToTensor()" in repr(test)
    with pytest.raises(ValueError, match="Only transforms or transform/target_transform can be passed"):
        datasets.VisionDataset(tmp_path, transforms=lambda a, b: (a, b), transform=lambda a: a)
    (folder / "meta").write_bytes(b"garbage")
    with pytest.raises(RuntimeError, match="Dataset metadata file not found or corrupted"):
        datasets.CIFAR100(tmp_path)


def test_cifar_download_extracts_a_present_archive_and_never_fetches(tmp_path, monkeypatch):
    src = tmp_path / "src"
    folder, _ = write_cifar100(src)
    point_cifar_md5s(monkeypatch, datasets.CIFAR100, folder)
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(RuntimeError, match="never downloads") as e:
        datasets.CIFAR100(root, download=True)
    assert "cifar-100-python.tar.gz" in str(e.value) and "cifar-100-python" in str(e.value)
    with tarfile.open(root / "cifar-100-python.tar.gz", "w:gz") as tar:
        tar.add(folder, arcname="cifar-100-python")
    monkeypatch.setattr(datasets.CIFAR100, "tgz_md5", md5(root / "cifar-100-python.tar.gz"))
    assert len(datasets.CIFAR100(root, download=True)) == 5  # extracted as torchvision would after fetching
    with pytest.raises(RuntimeError, match=NOT_FOUND):
        datasets.CIFAR10(root)


# ---------------------------------------------------------------------------------------------------- MNIST family


def write_mnist_like(raw, prefix="", names=("train", "t10k"), n=4, gz=False):
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    out = {}
    for split in names:
        imgs = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        write_idx(str(raw / f"{prefix}{split}-images-idx3-ubyte") + (".gz" if gz else ""), imgs, gz=gz)
        write_idx(str(raw / f"{prefix}{split}-labels-idx1-ubyte") + (".gz" if gz else ""), labels, gz=gz)
        out[split] = (imgs, labels)
    return out


def test_kmnist_fashion_legacy_and_subsetting(tmp_path):
    files = write_mnist_like(tmp_path / "KMNIST" / "raw", gz=True)
    ds = datasets.KMNIST(tmp_path, train=True, download=True)
    imgs, labels = files["train"]
    assert ds.classes[:3] == ["o", "ki", "su"] and ds.class_to_idx["ki"] == 1
    assert ds.data.dtype == jaxtorch.uint8 and ds.targets.dtype == jaxtorch.int64
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    img, t = ds[2]
    assert img.mode == "L" and t == int(labels[2]) and np.array_equal(np.asarray(img), imgs[2])
    ds.data, ds.targets = ds.data[1:3], ds.targets[1:3]  # the usual way to take a subset
    assert len(ds) == 2 and ds[1][1] == int(labels[2]) and np.array_equal(np.asarray(ds[1][0]), imgs[2])
    with pytest.warns(UserWarning, match="train_labels has been renamed targets"):
        assert ds.train_labels is ds.targets
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True to download it"):
        datasets.FashionMNIST(tmp_path)
    # the legacy processed/{training,test}.pt pair, as older torchvision wrote it, is read first
    processed = tmp_path / "FashionMNIST" / "processed"
    processed.mkdir(parents=True)
    for name, n in (("training.pt", 3), ("test.pt", 2)):
        torch.save((torch.full((n, 28, 28), 7, dtype=torch.uint8), torch.arange(n)), processed / name)
    fm = datasets.FashionMNIST(tmp_path, train=False)
    assert len(fm) == 2 and fm[1][1] == 1 and np.asarray(fm[0][0]).max() == 7 and fm.classes[0] == "T-shirt/top"


def test_emnist_splits(tmp_path):
    files = write_mnist_like(tmp_path / "EMNIST" / "raw", prefix="emnist-letters-", names=("train", "test"))
    ds = datasets.EMNIST(tmp_path, split="letters", train=False)
    assert len(ds) == 4 and ds.classes[:3] == ["N/A", "a", "b"] and ds[0][1] == int(files["test"][1][0])
    assert len(datasets.EMNIST.classes_split_dict["byclass"]) == 62
    assert len(datasets.EMNIST.classes_split_dict["balanced"]) == 47
    with pytest.raises(
        ValueError,
        match="Unknown value 'abc' for argument split. Valid values are "
        "{'byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'}.",
    ):
        datasets.EMNIST(tmp_path, split="abc")
    with pytest.raises(RuntimeError, match="never downloads"):
        datasets.EMNIST(tmp_path, split="digits", download=True)


def test_qmnist_what_compat_and_slices(tmp_path):
    raw = tmp_path / "QMNIST" / "raw"
    raw.mkdir(parents=True)
    n = 10003
    imgs = (np.arange(n)[:, None, None] % 251 * np.ones((1, 2, 2))).astype(np.uint8)  # tiny images keep it fast
    extra = np.stack(
        [
            np.arange(n) % 10,
            np.arange(n),
            np.zeros(n),
            np.full(n, 5),
            np.arange(n) * 3,
            np.ones(n),
            np.zeros(n),
            np.arange(n) % 7,
        ],
        1,
    ).astype(np.int32)
    write_idx(str(raw / "qmnist-test-images-idx3-ubyte"), imgs, gz=False)
    write_idx(str(raw / "qmnist-test-labels-idx2-int"), extra, code=0x0C)
    full = datasets.QMNIST(tmp_path, what="test")
    assert len(full) == n and full.targets.shape == (n, 8) and full.targets.dtype == jaxtorch.int64
    assert full[12][1] == 2
    rest = datasets.QMNIST(tmp_path, what="test50k", compat=False)
    assert len(rest) == 3
    img, target = rest[1]
    np.testing.assert_array_equal(target.numpy(), extra[10001])
    assert np.asarray(img)[0, 0] == 10001 % 251 and "Split: test50k" in repr(rest)
    assert len(datasets.QMNIST(tmp_path, what="test10k")) == 10000
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.QMNIST(tmp_path, train=True)


# ---------------------------------------------------------------------------------------------------- SVHN / STL10


def test_svhn_mat_files(tmp_path, monkeypatch):
    sio = pytest.importorskip("scipy.io")
    rng = np.random.default_rng(2)
    X = rng.integers(0, 256, (32, 32, 3, 4), dtype=np.uint8)
    y = np.array([[10], [3], [1], [10]], np.uint8)
    sio.savemat(tmp_path / "test_32x32.mat", {"X": X, "y": y})
    with pytest.raises(RuntimeError, match=NOT_FOUND):
        datasets.SVHN(tmp_path, split="test")
    table = dict(datasets.SVHN.split_list)
    table["test"] = table["test"][:2] + [md5(tmp_path / "test_32x32.mat")]
    monkeypatch.setattr(datasets.SVHN, "split_list", table)
    ds = datasets.SVHN(tmp_path, split="test", download=True)
    assert len(ds) == 4 and ds.data.shape == (4, 3, 32, 32) and list(ds.labels) == [0, 3, 1, 0]
    img, t = ds[2]
    assert t == 1 and np.array_equal(np.asarray(img), X[..., 2])
    with pytest.raises(ValueError, match="Unknown value 'dev' for argument split"):
        datasets.SVHN(tmp_path, split="dev")


def test_stl10_binaries_folds_and_unlabeled(tmp_path, monkeypatch):
    folder = tmp_path / "stl10_binary"
    folder.mkdir()
    rng = np.random.default_rng(3)
    imgs = {
        k: rng.integers(0, 256, (n, 3, 96, 96), dtype=np.uint8)
        for k, n in (("train", 4), ("test", 2), ("unlabeled", 3))
    }
    for k, arr in imgs.items():
        (folder / f"{k}_X.bin").write_bytes(arr.transpose(0, 1, 3, 2).tobytes())  # planes stored column-major
    (folder / "train_y.bin").write_bytes(np.array([1, 2, 3, 10], np.uint8).tobytes())
    (folder / "test_y.bin").write_bytes(np.array([5, 6], np.uint8).tobytes())
    (folder / "class_names.txt").write_text("\n".join(f"n{i}" for i in range(10)))
    (folder / "fold_indices.txt").write_text("0 2\n3 1 0\n")
    with pytest.raises(RuntimeError, match=NOT_FOUND):
        datasets.STL10(tmp_path)
    monkeypatch.setattr(datasets.STL10, "train_list", [[n, md5(folder / n)] for n, _ in datasets.STL10.train_list])
    monkeypatch.setattr(datasets.STL10, "test_list", [[n, md5(folder / n)] for n, _ in datasets.STL10.test_list])
    train = datasets.STL10(tmp_path)
    assert len(train) == 4 and list(train.labels) == [0, 1, 2, 9] and train.classes[9] == "n9"
    img, t = train[1]
    assert t == 1 and np.array_equal(np.asarray(img), imgs["train"][1].transpose(1, 2, 0))
    fold = datasets.STL10(tmp_path, folds=1)
    assert [fold[i][1] for i in range(3)] == [9, 1, 0]
    both = datasets.STL10(tmp_path, split="train+unlabeled")
    assert len(both) == 7 and both[6][1] == -1
    assert np.array_equal(np.asarray(both[5][0]), imgs["unlabeled"][1].transpose(1, 2, 0))
    assert datasets.STL10(tmp_path, split="test")[1][1] == 5
    with pytest.raises(ValueError, match=r"Value for argument folds should be in the range \[0, 10\), but got 10."):
        datasets.STL10(tmp_path, folds=10)


# ---------------------------------------------------------------------------------------------------- CelebA


def write_celeba(root):
    base = root / "celeba"
    (base / "img_align_celeba").mkdir(parents=True)
    names = [f"{i:06d}.jpg" for i in range(1, 5)]
    for i, name in enumerate(names):
        png(base / "img_align_celeba" / name, np.full((4, 3, 3), i * 40, np.uint8))
    (base / "list_eval_partition.txt").write_text("".join(f"{n} {p}\n" for n, p in zip(names, (0, 1, 0, 2))))
    (base / "identity_CelebA.txt").write_text("".join(f"{n} {100 + i}\n" for i, n in enumerate(names)))
    (base / "list_bbox_celeba.txt").write_text(
        "4\nimage_id x_1 y_1 width height\n"
        + "".join(f"{n}    {i}   {i + 1}  {i + 2}  {i + 3}\n" for i, n in enumerate(names))
    )
    (base / "list_landmarks_align_celeba.txt").write_text(
        "4\nlefteye_x lefteye_y\n" + "".join(f"{n} {i} {2 * i}\n" for i, n in enumerate(names))
    )
    (base / "list_attr_celeba.txt").write_text(
        "4\nSmiling Young Bald\n" + "".join(f"{n}  1 -1 {1 if i % 2 else -1}\n" for i, n in enumerate(names))
    )
    return base


def test_celeba_targets_and_splits(tmp_path, monkeypatch):
    base = write_celeba(tmp_path)
    with pytest.raises(RuntimeError, match=NOT_FOUND):
        datasets.CelebA(tmp_path)
    table = [(fid, md5(base / f) if not f.endswith(".zip") else m, f) for fid, m, f in datasets.CelebA.file_list]
    monkeypatch.setattr(datasets.CelebA, "file_list", table)
    train = datasets.CelebA(tmp_path, split="train", target_type=["attr", "identity", "bbox", "landmarks"])
    assert len(train) == 2 and train.filename == ["000001.jpg", "000003.jpg"]
    assert train.attr_names == ["Smiling", "Young", "Bald"]
    img, (attr, ident, bbox, marks) = train[1]
    assert img.size == (3, 4) and np.asarray(img)[0, 0, 0] == 80
    assert attr.tolist() == [1, 0, 0] and int(ident) == 102 and bbox.tolist() == [2, 3, 4, 5]
    assert marks.tolist() == [2, 4] and attr.dtype == jaxtorch.int64
    everything = datasets.CelebA(tmp_path, split="all", target_type="attr", transform=transforms.ToTensor())
    x, attr = everything[3]
    assert len(everything) == 4 and x.shape == (3, 4, 3) and attr.tolist() == [1, 0, 1]
    assert datasets.CelebA(tmp_path, split="valid", target_type=[])[0][1] is None
    with pytest.raises(RuntimeError, match="target_transform is specified but target_type is empty"):
        datasets.CelebA(tmp_path, target_type=[], target_transform=lambda t: t)
    with pytest.raises(ValueError, match="Unknown value 'dev' for argument split"):
        datasets.CelebA(tmp_path, split="dev")


# ---------------------------------------------------------------------------------------------------- ImageNet


def _tar(path, files, mode="w"):
    with tarfile.open(path, mode) as tar:
        for name, payload in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))


def _png_bytes(value):
    buf = io.BytesIO()
    Image.fromarray(np.full((2, 2, 3), value, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_imagenet_folder_layout_and_meta_bin(tmp_path):
    with pytest.raises(
        RuntimeError,
        match="The archive ILSVRC2012_devkit_t12.tar.gz is not present in the root "
        "directory or is corrupted. You need to download it externally",
    ):
        datasets.ImageNet(tmp_path)
    torch.save(
        ({"n02": ("goldfish", "Carassius auratus"), "n01": ("tench", "Tinca tinca")}, ["n01"]), tmp_path / "meta.bin"
    )  # written by real torch, as torchvision does
    for wnid, n in (("n01", 2), ("n02", 1)):
        (tmp_path / "train" / wnid).mkdir(parents=True)
        for i in range(n):
            (tmp_path / "train" / wnid / f"{wnid}_{i}.JPEG").write_bytes(_png_bytes(10 * i))
    ds = datasets.ImageNet(tmp_path, split="train", transform=transforms.ToTensor())
    assert ds.wnids == ["n01", "n02"] and ds.classes == [("tench", "Tinca tinca"), ("goldfish", "Carassius auratus")]
    assert ds.class_to_idx == {"tench": 0, "Tinca tinca": 0, "goldfish": 1, "Carassius auratus": 1}
    assert ds.wnid_to_idx == {"n01": 0, "n02": 1} and ds.targets == [0, 0, 1] and ds.split_folder.endswith("train")
    x, t = ds[1]
    assert x.shape == (3, 2, 2) and t == 0 and abs(float(x[0, 0, 0]) - 10 / 255) < 1e-6
    assert "Split: train" in repr(ds) and str(tmp_path) in repr(ds)


def test_imagenet_prepares_val_from_the_archives(tmp_path, monkeypatch):
    sio = pytest.importorskip("scipy.io")
    fields = [
        "ILSVRC2012_ID",
        "WNID",
        "words",
        "gloss",
        "num_children",
        "children",
        "wordnet_height",
        "num_train_images",
    ]
    synsets = np.zeros((3, 1), dtype=[(f, "O") for f in fields])
    for row, (idx, wnid, words, kids) in enumerate(
        ((1, "n01", "tench, Tinca tinca", 0), (2, "n02", "goldfish", 0), (3, "n99", "fish", 2))
    ):  # n99 is an inner node, not a class
        synsets[row, 0] = (
            np.array([[idx]]),
            wnid,
            words,
            "",
            np.array([[kids]]),
            np.zeros((1, 0)),
            np.array([[0]]),
            np.array([[1]]),
        )
    mat = io.BytesIO()
    sio.savemat(mat, {"synsets": synsets})
    devkit = {
        "ILSVRC2012_devkit_t12/data/meta.mat": mat.getvalue(),
        "ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt": b"2\n1\n2\n",
    }
    _tar(tmp_path / "ILSVRC2012_devkit_t12.tar.gz", devkit, "w:gz")
    _tar(tmp_path / "ILSVRC2012_img_val.tar", {f"ILSVRC2012_val_{i:08d}.JPEG": _png_bytes(i) for i in (3, 1, 2)})
    meta = {
        "devkit": ("ILSVRC2012_devkit_t12.tar.gz", md5(tmp_path / "ILSVRC2012_devkit_t12.tar.gz")),
        "val": ("ILSVRC2012_img_val.tar", md5(tmp_path / "ILSVRC2012_img_val.tar")),
        "train": datasets.imagenet.ARCHIVE_META["train"],
    }
    monkeypatch.setattr(datasets.imagenet, "ARCHIVE_META", meta)
    ds = datasets.ImageNet(tmp_path, split="val")
    assert ds.classes == [("tench", "Tinca tinca"), ("goldfish",)] and ds.targets == [0, 1, 1]
    assert sorted(os.listdir(tmp_path / "val" / "n02")) == [
        "ILSVRC2012_val_00000001.JPEG",
        "ILSVRC2012_val_00000003.JPEG",
    ]
    assert torch.load(tmp_path / "meta.bin", weights_only=True) == (
        {"n01": ("tench", "Tinca tinca"), "n02": ("goldfish",)},
        ["n02", "n01", "n02"],
    )
    with pytest.raises(RuntimeError, match="The archive ILSVRC2012_img_train.tar is not present"):
        datasets.ImageNet(tmp_path, split="train")


# ---------------------------------------------------------------------------------------------------- Places / iNat


def test_places365_val(tmp_path, monkeypatch):
    (tmp_path / "categories_places365.txt").write_text("/b/bakery 1\n/a/airfield 0\n")
    (tmp_path / "places365_val.txt").write_text("Places365_val_00000001.jpg 1\nPlaces365_val_00000002.jpg 0\n")
    (tmp_path / "val_256").mkdir()
    for i in (1, 2):
        png(tmp_path / "val_256" / f"Places365_val_{i:08d}.jpg", np.full((3, 3, 3), i, np.uint8))
    with pytest.raises(RuntimeError, match="categories_places365.txt does not exist or is corrupted"):
        datasets.Places365(tmp_path, split="val", small=True)
    monkeypatch.setattr(
        datasets.Places365, "_CATEGORIES_META", ("categories_places365.txt", md5(tmp_path / "categories_places365.txt"))
    )
    monkeypatch.setattr(
        datasets.Places365,
        "_FILE_LIST_META",
        dict(datasets.Places365._FILE_LIST_META, val=("places365_val.txt", md5(tmp_path / "places365_val.txt"))),
    )
    ds = datasets.Places365(tmp_path, split="val", small=True, download=True)
    assert ds.classes == ["/a/airfield", "/b/bakery"] and ds.class_to_idx == {"/b/bakery": 1, "/a/airfield": 0}
    assert ds.targets == [1, 0] and len(ds) == 2
    img, t = ds[1]
    assert t == 0 and img.mode == "RGB" and np.asarray(img)[0, 0, 0] == 2


def test_inaturalist_2021_layout(tmp_path):
    root = tmp_path / "2021_valid"
    cats = [
        "00000_Animalia_Chordata_Aves_Passeriformes_Corvidae_Corvus_corax",
        "00001_Animalia_Chordata_Aves_Passeriformes_Paridae_Parus_major",
        "00002_Plantae_Tracheophyta_Magnoliopsida_Rosales_Rosaceae_Rosa_canina",
    ]
    for i, c in enumerate(cats):
        (root / c).mkdir(parents=True)
        png(root / c / f"{i}.jpg", np.full((2, 2, 3), i, np.uint8))
    ds = datasets.INaturalist(tmp_path, version="2021_valid", target_type=["full", "kingdom", "family"])
    assert len(ds) == 3
    by_cat = {ds.index[i][0]: ds[i][1] for i in range(3)}
    assert by_cat == {0: (0, 0, 0), 1: (1, 0, 1), 2: (2, 1, 2)}
    assert ds.category_name("family", 1) == "Paridae" and ds.category_name("full", 2) == cats[2]
    with pytest.raises(RuntimeError, match="never downloads"):
        datasets.INaturalist(tmp_path, version="2021_train_mini", download=True)
