"""The MNIST SimpleNet trained with DistributedDataParallel + DistributedSampler — a plain PyTorch DDP
script; only the imports say jaxtorch.

    python -m jaxtorch.distributed.run --nproc_per_node=2 examples/ddp.py     # 2 processes on CPU (gloo)
    python examples/ddp.py --compile          # one process: the step runs data-parallel over all devices

Each process trains on its shard of the embedded digits; gradients are averaged across processes at
the end of every backward, so all replicas keep identical weights (checked at the end).
"""

import argparse
import os

import jaxtorch as torch
import jaxtorch.distributed as dist
import jaxtorch.nn as nn
import jaxtorch.nn.functional as F
import jaxtorch.optim as optim
from jaxtorch.nn.parallel import DistributedDataParallel as DDP
from jaxtorch.utils.data import DataLoader
from jaxtorch.utils.data.distributed import DistributedSampler
from jaxtorch.vision import datasets, transforms

DEFAULT_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.view(-1, 784))))


def main():
    parser = argparse.ArgumentParser(description="DDP MNIST MLP")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=32, help="per process")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--data-root", default=DEFAULT_ROOT)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()

    distributed = "WORLD_SIZE" in os.environ
    if distributed:
        dist.init_process_group("gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1

    torch.manual_seed(0)  # same initial weights everywhere (DDP also broadcasts rank 0's)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    train_set = datasets.MNIST(args.data_root, train=True, download=True, transform=transform)
    test_set = datasets.MNIST(args.data_root, train=False, download=True, transform=transform)
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=True, seed=0, drop_last=True)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, sampler=sampler, drop_last=True)
    test_loader = DataLoader(test_set, batch_size=300)

    model = DDP(SimpleNet())
    optimizer = optim.SGD(model.parameters(), lr=args.lr)

    def train_step(data, target):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(data), target)
        loss.backward()
        optimizer.step()
        return loss

    if args.compile:
        train_step = torch.compile(train_step)

    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)
        total, batches = 0.0, 0
        for data, target in train_loader:
            total += train_step(data, target).item()
            batches += 1
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                correct += (model(data).argmax(1) == target).sum().item()
        print(f"rank {rank}/{world} epoch {epoch}: train loss {total / batches:.4f}, "
              f"test accuracy {100.0 * correct / len(test_set):.2f}%", flush=True)

    # every replica must hold the same weights: compare a checksum across ranks
    checksum = torch.stack([p.detach().double().sum() for p in model.parameters()]).sum().reshape(1)
    if distributed:
        gathered = [torch.zeros_like(checksum) for _ in range(world)]
        dist.all_gather(gathered, checksum)
        same = all(torch.equal(g, gathered[0]) for g in gathered)
        print(f"rank {rank}: replicas identical: {same}", flush=True)
        dist.destroy_process_group()
    else:
        print(f"weights checksum {checksum.item():.6f}")


if __name__ == "__main__":
    main()
