"""DataLoader throughput: batches/s over the embedded digits (batch 64), jaxtorch vs torch, 0 and 2 workers.

Both loaders read the same MNIST-format files and apply the same per-sample transform (uint8 HxW ->
float32 1xHxW in [-1, 1]) written once in numpy, so the comparison is the loaders themselves plus
tensor conversion. Epochs are timed after the workers have started (persistent_workers=True), and the
start-up of a fresh pair of workers is reported separately.

    python benchmarks/bench_dataloader.py [--epochs 5]
"""

import argparse
import os
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")


class Digits:
    """Map-style dataset over the IDX arrays; framework-agnostic (numpy samples)."""

    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        x = (self.images[i][None].astype(np.float32) / 255 - 0.5) / 0.5
        return x, int(self.labels[i])


def load():
    from jaxtorch.vision.datasets.mnist import read_idx_array

    raw = os.path.join(ROOT, "MNIST", "raw")
    return (read_idx_array(os.path.join(raw, "train-images-idx3-ubyte.gz")),
            read_idx_array(os.path.join(raw, "train-labels-idx1-ubyte.gz")))


def rate(make_loader, epochs):
    t0 = time.perf_counter()
    loader = make_loader()
    it = iter(loader)
    next(it)
    startup = time.perf_counter() - t0
    for _ in it:
        pass
    n, t0 = 0, time.perf_counter()
    for _ in range(epochs):
        for _ in loader:
            n += 1
    return n / (time.perf_counter() - t0), startup


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    args = p.parse_args()
    import torch

    import jaxtorch

    ds = Digits(*load())
    for workers in (0, 2):
        extra = dict(num_workers=workers, persistent_workers=True) if workers else {}
        res = {}
        for name, mod in (("jaxtorch", jaxtorch), ("torch", torch)):
            res[name] = rate(lambda: mod.utils.data.DataLoader(ds, batch_size=64, shuffle=True, **extra), args.epochs)
        (j, js), (t, ts) = res["jaxtorch"], res["torch"]
        print(f"num_workers={workers}: jaxtorch {j:8.1f} batches/s, torch {t:8.1f} batches/s, ratio {j / t:.2f}x"
              + (f"; worker start-up jaxtorch {js:.2f}s, torch {ts:.2f}s" if workers else ""))

    # The example's real path: datasets.MNIST + transforms.Compose([ToTensor(), Normalize]) on PIL images,
    # against torch's DataLoader with the same per-sample work written in torch ops (no torchvision here).
    from jaxtorch.vision import datasets, transforms

    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    jds = datasets.MNIST(ROOT, train=True, transform=tf)
    tds = TorchPIL(*load(), torch)
    j, _ = rate(lambda: jaxtorch.utils.data.DataLoader(jds, batch_size=64, shuffle=True), args.epochs)
    t, _ = rate(lambda: torch.utils.data.DataLoader(tds, batch_size=64, shuffle=True), args.epochs)
    print(f"MNIST + ToTensor + Normalize, num_workers=0: jaxtorch {j:8.1f} batches/s, torch {t:8.1f} batches/s, "
          f"ratio {j / t:.2f}x")


class TorchPIL:
    """torch-side equivalent of datasets.MNIST + ToTensor + Normalize((0.5,), (0.5,)) on PIL images."""

    def __init__(self, images, labels, torch):
        self.images, self.labels, self.torch = images, labels, torch

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        from PIL import Image

        img = Image.fromarray(self.images[i], mode="L")
        x = self.torch.from_numpy(np.array(img, dtype=np.uint8)).float().div(255).unsqueeze(0)
        return (x - 0.5) / 0.5, int(self.labels[i])


if __name__ == "__main__":
    main()
