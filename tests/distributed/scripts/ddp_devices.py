"""Run under XLA_FLAGS=--xla_force_host_platform_device_count=4 (set by the test before JAX starts).

A compiled DDP step over 4 simulated devices on a global batch of 64 must equal torch DDP's semantics
computed by hand: 4 replicas each on 16 samples, gradients averaged, replica 0's BatchNorm buffers;
with SyncBatchNorm, one device on all 64 samples. Prints one line per case; exits non-zero on mismatch.
"""

import copy
import sys

import numpy as np

import jaxtorch as torch
import jaxtorch.nn.functional as F
from jaxtorch import nn

import jax

assert len(jax.local_devices()) == 4, jax.local_devices()
N_REP, BATCH, STEPS = 4, 64, 3


def make(sync: bool, batchnorm: bool):
    torch.manual_seed(0)
    layers = [nn.Linear(5, 8, bias=not batchnorm)]  # a bias before BatchNorm has a zero gradient
    if batchnorm:
        layers.append(nn.BatchNorm1d(8))
    layers += [nn.ReLU(), nn.Linear(8, 3)]
    m = nn.Sequential(*layers)
    return nn.SyncBatchNorm.convert_sync_batchnorm(m) if sync else m


rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((BATCH, 5)).astype(np.float32))
Y = torch.tensor(rng.integers(0, 3, BATCH))


def compiled_ddp(sync, batchnorm, opt_cls, wrapper):
    m = make(sync, batchnorm)
    dp = wrapper(m)
    opt = opt_cls(dp.parameters(), lr=0.05)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(dp(x), y)
        loss.backward()
        opt.step()
        return loss

    f = torch.compile(step)
    return [f(X, Y).item() for _ in range(STEPS)], m


def reference(sync, batchnorm, opt_cls):
    m = make(False, batchnorm)
    opt = opt_cls(m.parameters(), lr=0.05)
    losses = []
    chunk = BATCH // N_REP
    for _ in range(STEPS):
        opt.zero_grad()
        if sync or not batchnorm:  # global statistics: one device on the whole batch
            loss = F.cross_entropy(m(X), Y)
            loss.backward()
            losses.append(loss.item())
        else:  # per-replica statistics: replicas on their slices, grads averaged, replica 0's buffers
            reps = [copy.deepcopy(m) for _ in range(N_REP)]
            ls = []
            for i, r in enumerate(reps):
                sl = slice(chunk * i, chunk * (i + 1))
                loss = F.cross_entropy(r(X[sl]), Y[sl])
                loss.backward()
                ls.append(loss.item())
            for p, *rp in zip(m.parameters(), *[r.parameters() for r in reps]):
                p.grad = sum(q.grad for q in rp) / N_REP
            with torch.no_grad():
                for b, b0 in zip(m.buffers(), reps[0].buffers()):
                    b.copy_(b0)
            losses.append(float(np.mean(ls)))
        opt.step()
    return losses, m


failures = 0
for wrapper_name, wrapper in (("ddp", nn.parallel.DistributedDataParallel), ("dp", nn.DataParallel)):
    for sync, batchnorm in ((False, False), (False, True), (True, True)):
        for opt_cls in (torch.optim.SGD, torch.optim.Adam):
            lc, mc = compiled_ddp(sync, batchnorm, opt_cls, wrapper)
            lr_, mr = reference(sync, batchnorm, opt_cls)
            worst = max(float(np.max(np.abs(a.numpy() - b.numpy()) / (np.abs(b.numpy()) + 1e-6)))
                        for a, b in zip(mc.state_dict().values(), mr.state_dict().values()) if a.numel())
            ok = np.allclose(lc, lr_, rtol=1e-5, atol=1e-6) and all(
                np.allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
                for a, b in zip(mc.state_dict().values(), mr.state_dict().values()))
            failures += not ok
            print(f"{'OK' if ok else 'MISMATCH'} {wrapper_name} sync={sync} bn={batchnorm} {opt_cls.__name__} "
                  f"losses={lc} ref={lr_} worst_rel={worst:.2e}", flush=True)
sys.exit(1 if failures else 0)
