"""jaxtorch.vision: IDX reading, dataset errors, transforms.

torchvision is not installed here (it cannot be installed beside torch 2.13), so transforms are checked against
hand-computed expectations from torchvision's documented behaviour, against PIL's own operations, and (tensor
bilinear resize) against real torch's F.interpolate, which is what torchvision's tensor Resize calls.
"""

import gzip
import os
import struct

import numpy as np
import pytest
import torch

import jaxtorch
from jaxtorch.vision import datasets, transforms, utils

PIL = pytest.importorskip("PIL.Image", reason="Pillow is the vision extra; pip install pillow")


def write_idx(path, arr, gz):
    head = struct.pack(">BBBB", 0, 0, 8, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(head + arr.astype(np.uint8).tobytes())


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_round_trip(tmp_path, gz):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    imgs, labels = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), np.array([3, 1, 4, 1, 5], np.uint8)
    for p in ("train", "t10k"):
        write_idx(str(raw / f"{p}-images-idx3-ubyte") + (".gz" if gz else ""), imgs, gz)
        write_idx(str(raw / f"{p}-labels-idx1-ubyte") + (".gz" if gz else ""), labels, gz)
    ds = datasets.MNIST(str(tmp_path), train=False)
    assert len(ds) == 5 and ds.data.dtype == jaxtorch.uint8 and ds.targets.dtype == jaxtorch.int64
    np.testing.assert_array_equal(ds.data.numpy(), imgs)
    img, target = ds[2]
    assert target == 4 and img.mode == "L" and np.array_equal(np.asarray(img), imgs[2])
    x, _ = datasets.MNIST(str(tmp_path), transform=transforms.ToTensor())[0]
    assert x.shape == (1, 28, 28) and x.dtype == jaxtorch.float32
    np.testing.assert_allclose(x.numpy()[0], imgs[0] / 255.0, rtol=1e-6)


def test_corrupt_idx_raises_naming_the_file(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    write_idx(str(raw / "t10k-labels-idx1-ubyte"), np.zeros(3, np.uint8), False)
    bad = raw / "t10k-images-idx3-ubyte"
    bad.write_bytes(b"\x12\x34\x08\x03" + b"\x00" * 20)
    with pytest.raises(RuntimeError, match="bad magic.*") as e:
        datasets.MNIST(str(tmp_path), train=False)
    assert str(bad) in str(e.value)
    write_idx(str(bad), np.zeros((3, 28, 28), np.uint8), False)
    bad.write_bytes(bad.read_bytes()[:-10])
    with pytest.raises(RuntimeError, match="truncated") as e:
        datasets.MNIST(str(tmp_path), train=False)
    assert str(bad) in str(e.value)


def test_download_without_files_explains_where_to_put_them(tmp_path):
    with pytest.raises(RuntimeError, match="never downloads") as e:
        datasets.MNIST(str(tmp_path), download=True)
    assert os.path.join(str(tmp_path), "FashionMNIST", "raw") not in str(e.value)
    assert os.path.join(str(tmp_path), "MNIST", "raw") in str(e.value)
    with pytest.raises(RuntimeError, match="cifar-10-batches-py"):
        datasets.CIFAR10(str(tmp_path), download=True)


def test_embedded_digits_load_through_mnist():
    root = os.path.join(os.path.dirname(__file__), "..", "..", "data")
    train, test = datasets.MNIST(root, train=True), datasets.MNIST(root, train=False)
    assert (len(train), len(test)) == (1497, 300)
    assert sorted(set(test.targets.tolist())) == list(range(10))


def test_to_tensor_normalize_compose_on_pil_and_numpy():
    arr = np.array([[0, 51], [102, 255]], np.uint8)
    t = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])(PIL.fromarray(arr))
    # ToTensor: x / 255 as float32 in CxHxW; Normalize: (x - 0.5) / 0.5
    expect = ((arr.astype(np.float32) / 255) - 0.5) / 0.5
    np.testing.assert_allclose(t.numpy()[0], expect, rtol=1e-6, atol=1e-7)
    rgb = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    t = transforms.ToTensor()(rgb)
    assert t.shape == (3, 2, 4)
    np.testing.assert_allclose(t.numpy(), rgb.transpose(2, 0, 1) / np.float32(255), rtol=1e-6)
    p = transforms.PILToTensor()(PIL.fromarray(rgb))
    assert p.dtype == jaxtorch.uint8 and np.array_equal(p.numpy(), rgb.transpose(2, 0, 1))
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        transforms.Normalize((0.5,), (0.5,))(p)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        transforms.Normalize((0.5,), (0.0,))(t)


def test_geometric_transforms_on_pil_match_pil_and_tensor_paths():
    rng = np.random.default_rng(1)
    arr = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    img = PIL.fromarray(arr)
    tens = jaxtorch.from_numpy(arr.transpose(2, 0, 1).copy())
    # CenterCrop: top = round((6 - 4) / 2), left = round((8 - 3) / 2) = round(2.5) = 2 (banker's)
    np.testing.assert_array_equal(np.asarray(transforms.CenterCrop((4, 3))(img)), arr[1:5, 2:5])
    np.testing.assert_array_equal(transforms.CenterCrop((4, 3))(tens).numpy(), arr[1:5, 2:5].transpose(2, 0, 1))
    # CenterCrop larger than the image zero-pads
    big = transforms.CenterCrop(8)(tens).numpy()
    assert big.shape == (3, 8, 8) and big[:, 0].sum() == 0 and np.array_equal(big[:, 1:7], tens.numpy())
    # flips
    flip = transforms.RandomHorizontalFlip(p=1.0)
    np.testing.assert_array_equal(np.asarray(flip(img)), arr[:, ::-1])
    np.testing.assert_array_equal(flip(tens).numpy(), arr[:, ::-1].transpose(2, 0, 1))
    assert transforms.RandomHorizontalFlip(p=0.0)(img) is img
    # Pad: (left, top, right, bottom); modes as numpy.pad's
    for mode in ("constant", "edge", "reflect", "symmetric"):
        ref = np.pad(arr, [(2, 3), (1, 0), (0, 0)], mode=mode)
        np.testing.assert_array_equal(np.asarray(transforms.Pad((1, 2, 0, 3), padding_mode=mode)(img)), ref)
        np.testing.assert_array_equal(transforms.Pad((1, 2, 0, 3), padding_mode=mode)(tens).numpy(),
                                      ref.transpose(2, 0, 1))
    # Resize on PIL is PIL's resize; an int resizes the smaller edge keeping the aspect ratio
    out = transforms.Resize(3)(img)
    assert out.size == (4, 3)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img.resize((4, 3), PIL.BILINEAR)))
    # Grayscale on PIL is convert('L'); on tensors ITU-R 601-2 weights
    np.testing.assert_array_equal(np.asarray(transforms.Grayscale()(img)), np.asarray(img.convert("L")))
    f = tens.float()
    g = transforms.Grayscale(3)(f).numpy()
    ref = 0.2989 * arr[..., 0] + 0.587 * arr[..., 1] + 0.114 * arr[..., 2]
    assert g.shape == (3, 6, 8)
    np.testing.assert_allclose(g[2], ref, rtol=1e-5)


def test_random_crops_use_the_global_generator():
    arr = np.arange(64, dtype=np.uint8).reshape(8, 8)
    img = PIL.fromarray(arr)
    jaxtorch.manual_seed(0)
    a = np.asarray(transforms.RandomCrop(4, padding=2)(img))
    jaxtorch.manual_seed(0)
    b = np.asarray(transforms.RandomCrop(4, padding=2)(img))
    assert a.shape == (4, 4) and np.array_equal(a, b)
    with pytest.raises(ValueError, match=r"Required crop size \(9, 9\) is larger than input image size \(8, 8\)"):
        transforms.RandomCrop(9)(img)
    jaxtorch.manual_seed(1)
    r = transforms.RandomResizedCrop(5)(img)
    assert r.size == (5, 5)


def test_tensor_resize_matches_torch_interpolate():
    x = np.random.default_rng(2).random((1, 3, 8, 10)).astype(np.float32)
    for size, mode, aa in (((4, 5), "bilinear", True), ((16, 20), "bilinear", True), ((3, 7), "nearest", False)):
        ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode, antialias=aa,
                                              **({"align_corners": False} if mode == "bilinear" else {}))
        interp = transforms.InterpolationMode.BILINEAR if mode == "bilinear" else transforms.InterpolationMode.NEAREST
        out = transforms.Resize(size, interpolation=interp)(jaxtorch.from_numpy(x))
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)


def test_convert_image_dtype_follows_torchvision_rules():
    u8 = jaxtorch.tensor([0, 128, 255], dtype=jaxtorch.uint8)
    np.testing.assert_allclose(transforms.ConvertImageDtype(jaxtorch.float32)(u8).numpy(),
                               np.array([0, 128, 255], np.float32) / 255, rtol=1e-6)
    f = jaxtorch.tensor([0.0, 0.5, 1.0])
    # float -> uint8: x * (255 + 1 - 1e-3), truncated
    assert transforms.ConvertImageDtype(jaxtorch.uint8)(f).tolist() == [0, 127, 255]
    # uint8 -> int16: times (32767 + 1) // (255 + 1) = 128
    assert transforms.ConvertImageDtype(jaxtorch.int16)(u8).tolist() == [0, 128 * 128, 255 * 128]
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        transforms.ConvertImageDtype(jaxtorch.int32)(f)


def test_lambda_and_errors():
    assert transforms.Lambda(lambda v: v + 1)(1) == 2
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        transforms.Lambda(3)


def test_make_grid_and_save_image(tmp_path):
    imgs = jaxtorch.from_numpy(np.random.default_rng(3).random((3, 1, 4, 5)).astype(np.float32))
    grid = utils.make_grid(imgs, nrow=2, padding=1, pad_value=0.5)
    # torchvision: 1-channel input becomes 3 channels; 2 columns x 2 rows of (4+1)x(5+1) cells plus one border
    assert tuple(grid.shape) == (3, 2 * 5 + 1, 2 * 6 + 1)
    g = grid.numpy()
    np.testing.assert_array_equal(g[0, 1:5, 1:6], imgs.numpy()[0, 0])
    np.testing.assert_array_equal(g[1, 6:10, 1:6], imgs.numpy()[2, 0])
    assert g[0, 0, 0] == 0.5 and np.all(g[:, 6:10, 7:12] == 0.5)  # the missing 4th cell stays padding
    path = tmp_path / "grid.png"
    utils.save_image(imgs, str(path), nrow=2, padding=1)
    back = np.asarray(PIL.open(path))
    expect = np.clip(utils.make_grid(imgs, nrow=2, padding=1).numpy() * 255 + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(back, expect.transpose(1, 2, 0))


def test_fakedata_and_imagefolder(tmp_path):
    fd = datasets.FakeData(size=4, image_size=(3, 6, 5), num_classes=3, transform=transforms.ToTensor())
    x, y = fd[1]
    assert x.shape == (3, 6, 5) and 0 <= y < 3 and np.array_equal(fd[1][0].numpy(), x.numpy())
    for cls in ("cat", "dog"):
        (tmp_path / cls).mkdir()
        PIL.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / cls / "a.png")
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(str(tmp_path))
    assert ds.classes == ["cat", "dog"] and [t for _, t in ds.samples] == [0, 1]
    assert ds[1][0].mode == "RGB" and ds[1][1] == 1
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(str(tmp_path))
