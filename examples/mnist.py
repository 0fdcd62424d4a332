"""Train a small MLP on MNIST-format digits — a plain PyTorch script; only the imports differ.

    python examples/mnist.py                       # embedded UCI digits (data/MNIST/raw), no download
    python examples/mnist.py --data-root ~/data    # real MNIST if <root>/MNIST/raw holds its IDX files
    python examples/mnist.py --compile             # whole training step through torch.compile

With real torch installed, replacing the three jaxtorch imports by
`import torch`, `import torch.nn as nn` ... and `from torchvision import datasets, transforms` runs the same.
"""

import argparse
import os
import time

import jaxtorch as torch
import jaxtorch.nn as nn
import jaxtorch.nn.functional as F
import jaxtorch.optim as optim
from jaxtorch.utils.data import DataLoader
from jaxtorch.vision import datasets, transforms

DEFAULT_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(-1, 784)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def main():
    parser = argparse.ArgumentParser(description="MNIST MLP")
    # 12 epochs: the embedded set has 1,497 training digits (24 steps per epoch at batch 64)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--data-root", default=DEFAULT_ROOT)
    parser.add_argument("--num-workers", type=int, default=0)
    parser.add_argument("--log-interval", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    train_set = datasets.MNIST(args.data_root, train=True, download=True, transform=transform)
    test_set = datasets.MNIST(args.data_root, train=False, download=True, transform=transform)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=args.num_workers)
    test_loader = DataLoader(test_set, batch_size=1000, shuffle=False, num_workers=args.num_workers)

    model = SimpleNet()
    optimizer = optim.SGD(model.parameters(), lr=args.lr)

    def train_step(data, target):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(data), target)
        loss.backward()
        optimizer.step()
        return loss

    if args.compile:
        try:
            train_step = torch.compile(train_step)
        except (AttributeError, NotImplementedError) as e:
            print(f"torch.compile is not available yet ({e}); continuing eagerly")

    start = time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        total, batches = 0.0, 0
        for batch_idx, (data, target) in enumerate(train_loader):
            loss = train_step(data, target)
            total += loss.item()
            batches += 1
            if batch_idx % args.log_interval == 0:
                print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)}]\t"
                      f"Loss: {loss.item():.6f}")

        model.eval()
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                pred = model(data).argmax(dim=1)
                correct += (pred == target).sum().item()
        accuracy = 100.0 * correct / len(test_loader.dataset)
        print(f"Epoch {epoch}: train loss {total / batches:.4f}, test accuracy {correct}/{len(test_loader.dataset)} "
              f"({accuracy:.2f}%), {time.time() - start:.1f}s")


if __name__ == "__main__":
    main()
