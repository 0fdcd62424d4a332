"""A small PyTorch training script, written exactly as a PyTorch user would write it.

usage: train_cnn.py INIT_STATE_DICT CHECKPOINT_DIR [NUM_WORKERS]

Trains a CNN (Conv, BatchNorm, Dropout, Linear) with Adam and StepLR on fixed data for two epochs, saving a
checkpoint after the first and continuing from the reloaded checkpoint with fresh objects. Prints every loss.
Dropout has p=0.0 so no random numbers are drawn: real torch and jaxtorch have different random streams.
"""

import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 8, kernel_size=3)
        self.dropout = nn.Dropout(p=0.0)
        self.fc = nn.Linear(8 * 2 * 2, 3)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 2)
        x = F.relu(self.conv2(x))
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        return self.fc(x)


def make_data():
    rng = np.random.default_rng(0)
    images = rng.standard_normal((32, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 3, size=32).astype(np.int64)
    return TensorDataset(torch.tensor(images), torch.tensor(labels))


def build(init_path=None):
    model = Net()
    if init_path is not None:
        model.load_state_dict(torch.load(init_path))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    return model, optimizer, scheduler


def train_epoch(epoch, model, optimizer, scheduler, loader):
    model.train()
    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        print(f"epoch {epoch} step {step} loss {loss.item():.9e}")
    scheduler.step()
    print(f"epoch {epoch} lr {scheduler.get_last_lr()[0]:.9e}")


def main():
    init_path, ckpt_dir = sys.argv[1], sys.argv[2]
    num_workers = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    loader = DataLoader(make_data(), batch_size=8, shuffle=False, num_workers=num_workers)

    model, optimizer, scheduler = build(init_path)
    train_epoch(0, model, optimizer, scheduler, loader)
    ckpt = os.path.join(ckpt_dir, "checkpoint.pt")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "epoch": 0}, ckpt)

    # Resume with fresh objects, as a restarted job would.
    model, optimizer, scheduler = build()
    state = torch.load(ckpt)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    train_epoch(state["epoch"] + 1, model, optimizer, scheduler, loader)

    model.eval()
    with torch.no_grad():
        total = sum(F.cross_entropy(model(x), y, reduction="sum").item() for x, y in loader)
    print(f"eval loss {total / 32:.9e}")
    print(f"running_mean {' '.join(f'{v:.9e}' for v in model.bn1.running_mean.tolist())}")


if __name__ == "__main__":
    main()
