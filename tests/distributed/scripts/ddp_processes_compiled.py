"""Compiled DDP across 2 processes (launched by jaxtorch.distributed.run) against real torch's DDP run in
the same 2 processes (gloo) from the same weights on the same per-rank batches. The model has BatchNorm,
so per-replica statistics and torch's broadcast of rank 0's buffers at each forward are exercised.
Prints one JSON line per rank. Argument: the optimizer name; env TORCH_PORT: torch's rendezvous port."""

import json
import os
import sys

import numpy as np
import torch

import jaxtorch
import jaxtorch.distributed as dist

OPT = sys.argv[1]
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.distributed.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{os.environ['TORCH_PORT']}",
                                     rank=rank, world_size=world)
rng = np.random.default_rng(0)
STEPS, BATCH = 5, 16
X = rng.standard_normal((STEPS, BATCH, 5)).astype(np.float32)
Y = rng.integers(0, 3, (STEPS, BATCH))
half = BATCH // world
mine = slice(rank * half, (rank + 1) * half)


def build(lib):
    nn = lib.nn
    lib.manual_seed(0)
    # (no bias before BatchNorm: its gradient is rounding noise, which Adam would amplify into an update)
    model = nn.Sequential(nn.Linear(5, 8, bias=False), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3))
    return model


def make_opt(lib, params):
    if OPT == "sgd":
        return lib.optim.SGD(params, lr=0.1, momentum=0.9)
    return lib.optim.Adam(params, lr=0.05)


tmodel = build(torch)
jmodel = build(jaxtorch)
jmodel.load_state_dict({k: jaxtorch.tensor(v.numpy()) for k, v in tmodel.state_dict().items()})
tddp = torch.nn.parallel.DistributedDataParallel(tmodel)
jddp = jaxtorch.nn.parallel.DistributedDataParallel(jmodel)
topt, jopt = make_opt(torch, tddp.parameters()), make_opt(jaxtorch, jddp.parameters())


def jstep(x, y):
    jopt.zero_grad()
    loss = jaxtorch.nn.functional.cross_entropy(jddp(x), y)
    loss.backward()
    jopt.step()
    return loss


jstep = jaxtorch.compile(jstep)
jaxtorch.compiler.reset_stats()
loss_diff = 0.0
for s in range(STEPS):
    topt.zero_grad()
    tl = torch.nn.functional.cross_entropy(tddp(torch.from_numpy(X[s, mine])), torch.from_numpy(Y[s, mine]))
    tl.backward()
    topt.step()
    jl = jstep(jaxtorch.tensor(X[s, mine]), jaxtorch.tensor(Y[s, mine])).item()  # this rank's own loss
    loss_diff = max(loss_diff, abs(jl - tl.item()) / max(abs(tl.item()), 1e-6))

# parameters and buffers that differ from torch's beyond float32 noise (rtol 1e-5, atol 1e-6)
mismatch = {}
tsd = tmodel.state_dict()
for k, v in jmodel.state_dict().items():
    a, b = v.numpy().astype(np.float64), tsd[k].numpy().astype(np.float64)
    if not np.allclose(a, b, rtol=1e-5, atol=1e-6):
        mismatch[k] = float(np.max(np.abs(a - b)))
flat = np.concatenate([p.detach().numpy().ravel() for p in jmodel.parameters()])
gathered = [jaxtorch.zeros(flat.shape[0]) for _ in range(world)]
dist.all_gather(gathered, jaxtorch.tensor(flat))
# one write per line: the two ranks share the launcher's stdout, and print() may write the text and
# its newline separately, letting the other rank's line land in between
os.write(1, (json.dumps({"rank": rank, "opt": OPT, "loss_rel_diff": loss_diff, "state_mismatch": mismatch,
                  "identical_across_ranks": bool(all(np.array_equal(g.numpy(), flat) for g in gathered)),
                  "stats": jaxtorch.compiler.stats()}) + "\n").encode())
torch.distributed.destroy_process_group()
dist.destroy_process_group()
