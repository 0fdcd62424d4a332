"""One-off: write scikit-learn's copy of the UCI handwritten digits as MNIST-format IDX files.

    pip install scikit-learn pillow   # only to run this script; jaxtorch never needs them at runtime
    python scripts/make_digits_idx.py

Output: data/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz, read by
`jaxtorch.vision.datasets.MNIST(root="data")` through the same code path as real MNIST. Each 8x8 digit
(values 0..16) is scaled to 0..255, upscaled to 20x20 (bicubic) and centred in a 28x28 frame, as MNIST
digits are. The 1,797 digits are shuffled with a fixed seed and split 1,497 train / 300 test.
"""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "MNIST", "raw")
N_TEST = 300


def to_28x28(digit8: np.ndarray) -> np.ndarray:
    img = Image.fromarray(np.clip(digit8 * (255.0 / 16.0), 0, 255).round().astype(np.uint8))
    big = np.asarray(img.resize((20, 20), Image.BICUBIC))
    out = np.zeros((28, 28), np.uint8)
    out[4:24, 4:24] = big
    return out


def write_idx(path: str, arr: np.ndarray) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    # mtime=0 keeps the .gz bytes reproducible
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(header + arr.astype(np.uint8).tobytes())


def main() -> None:
    digits = load_digits()
    images = np.stack([to_28x28(d) for d in digits.images])
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(0).permutation(len(labels))
    images, labels = images[order], labels[order]
    os.makedirs(OUT, exist_ok=True)
    splits = {"train": slice(N_TEST, None), "t10k": slice(0, N_TEST)}
    for prefix, sl in splits.items():
        write_idx(os.path.join(OUT, f"{prefix}-images-idx3-ubyte.gz"), images[sl])
        write_idx(os.path.join(OUT, f"{prefix}-labels-idx1-ubyte.gz"), labels[sl])
        print(prefix, images[sl].shape, np.bincount(labels[sl], minlength=10).tolist())


if __name__ == "__main__":
    main()
