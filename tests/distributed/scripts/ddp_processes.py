"""Eager DDP in each of 2 processes (launched by jaxtorch.distributed.run): after 10 SGD steps on each
rank's half of the data, both ranks hold the same parameters, equal to one process training on the union
(per-step mean over the global batch = the mean of the two ranks' mean gradients). Prints a JSON line."""

import json
import os

import numpy as np

import jaxtorch as torch
import jaxtorch.distributed as dist
import jaxtorch.nn.functional as F
from jaxtorch import nn

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(0)
X = rng.standard_normal((10, 16, 5)).astype(np.float32)  # 10 steps x global batch 16
Y = rng.integers(0, 3, (10, 16))


def make():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))


model = nn.parallel.DistributedDataParallel(make())
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
half = 16 // world
for step in range(10):
    sl = slice(rank * half, (rank + 1) * half)
    opt.zero_grad()
    F.cross_entropy(model(torch.tensor(X[step, sl])), torch.tensor(Y[step, sl])).backward()
    opt.step()

# the same training in one process on the union of the data
ref = make()
ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
for step in range(10):
    ref_opt.zero_grad()
    F.cross_entropy(ref(torch.tensor(X[step])), torch.tensor(Y[step])).backward()
    ref_opt.step()

flat = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
ref_flat = np.concatenate([p.detach().numpy().ravel() for p in ref.parameters()])
gathered = [torch.zeros(flat.shape[0]) for _ in range(world)]
dist.all_gather(gathered, torch.tensor(flat))
# one write per line: the two ranks share the launcher's stdout, and print() may write the text and
# its newline separately, letting the other rank's line land in between
same = bool(all(np.array_equal(g.numpy(), flat) for g in gathered))
os.write(1, (json.dumps({"rank": rank, "identical_across_ranks": same,
                         "max_diff_vs_single_process": float(np.abs(flat - ref_flat).max())}) + "\n").encode())
dist.destroy_process_group()
